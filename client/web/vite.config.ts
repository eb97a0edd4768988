import { defineConfig } from "vitest/config";

// One index.html serves every route (/, /b/{board}, /screen/{board}); the app
// routes by location.pathname. Assets live under /assets, served by our server.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, target: "es2022" },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
