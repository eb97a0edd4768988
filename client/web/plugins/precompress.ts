/** Precompress the built files (gzip and brotli, best levels) next to them,
 * so the server sends `foo.js.br` for `foo.js` to a browser that accepts it
 * and never compresses on the fly (server/routes/assets.py).
 *
 * Node's own zlib: no dependency for what is a dozen lines.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

/** Text formats; images and fonts (woff2) are compressed already. */
const COMPRESSIBLE = new Set([".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt", ".webmanifest"]);
/** Below about one packet a second file saves nothing worth having. */
const MIN_BYTES = 1024;

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

/** Write `.gz` and `.br` beside each compressible file, when smaller. */
export const compressDir = (dir: string): number => {
  let n = 0;
  for (const file of files(dir)) {
    if (!COMPRESSIBLE.has(extname(file)) || statSync(file).size < MIN_BYTES) continue;
    const data = readFileSync(file);
    const gz = gzipSync(data, { level: 9 });
    const br = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    if (gz.length < data.length) { writeFileSync(`${file}.gz`, gz); n++; }
    if (br.length < data.length) { writeFileSync(`${file}.br`, br); n++; }
  }
  return n;
};

export function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "prikbord:precompress",
    apply: "build",
    enforce: "post",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle: {
      order: "post",
      handler() {
        compressDir(outDir);
      },
    },
  };
}
