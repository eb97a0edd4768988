import { defineConfig } from "vitest/config";
import { precompress } from "./plugins/precompress";
import { serviceWorker } from "./plugins/serviceworker";

// One index.html serves every route (/, /b/{board}, /screen/{board}); the app
// routes by location.pathname. Assets live under /assets, served by our server
// (precompressed, immutable); the service worker is /sw.js (offline shell).
export default defineConfig({
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, target: "es2022" },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  plugins: [serviceWorker("src/sw/worker.ts"), precompress()],
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
