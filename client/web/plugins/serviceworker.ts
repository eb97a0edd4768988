/** Build the service worker (src/sw/worker.ts) into `dist/sw.js`, at the
 * root so its scope is the whole app, and write the build's hashed asset
 * names into it: the worker caches exactly what this build serves, and a
 * new build (new names) is a new worker with a new cache.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Plugin } from "vite";

const PLACEHOLDER = "__PRIKBORD_SW_MANIFEST__";
export const SW_FILE = "sw.js";

export function serviceWorker(entry: string): Plugin {
  let outDir = "dist";
  let root = ".";
  return {
    name: "prikbord:service-worker",
    apply: "build",
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart() {
      this.emitFile({ type: "chunk", id: resolve(root, entry), fileName: SW_FILE });
    },
    writeBundle(_options, bundle) {
      const assets = Object.keys(bundle).filter((f) => f.startsWith("assets/")).sort().map((f) => `/${f}`);
      const build = createHash("sha256").update(assets.join("\n")).update(readFileSync(resolve(outDir, "index.html"))).digest("hex").slice(0, 16);
      const file = resolve(outDir, SW_FILE);
      const code = readFileSync(file, "utf8");
      if (!code.includes(PLACEHOLDER)) this.error(`${SW_FILE}: ${PLACEHOLDER} not found`);
      if (/^\s*(import|export)\b/m.test(code)) this.error(`${SW_FILE} must be a classic script (no import/export)`);
      writeFileSync(file, code.replaceAll(PLACEHOLDER, JSON.stringify({ build, assets })));
    },
  };
}
