// Bundles the viewer's single-page UI (ui/) into dist/ui/: index.html, app.js and app.css, the three
// files `dspx view` serves and `dspx report` inlines. preact and uPlot are bundled in, so the
// installed package needs neither (they are devDependencies) and the page loads nothing from a CDN.
// No source maps are shipped. No CLI chunk imports ui/, so the CLI's start-up is unaffected.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// The esbuild that tsx (a dependency) brings, as scripts/bundle-cli.mjs uses.
const esbuild = createRequire(createRequire(import.meta.url).resolve("tsx"))("esbuild");

const out = new URL("../dist/ui/", import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: "ui/src/main.tsx" },
  outdir: "dist/ui",
  tsconfig: "ui/tsconfig.json",
  bundle: true,
  platform: "browser",
  // A classic script, so `dspx report` can inline it in a page opened from file://.
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { "process.env.NODE_ENV": '"production"' },
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  logLevel: "warning",
});
copyFileSync(new URL("../ui/index.html", import.meta.url), new URL("index.html", out));
const files = readdirSync(out).sort();
const expected = ["app.css", "app.js", "index.html"];
if (files.join() !== expected.join()) throw new Error(`dist/ui/ holds ${files.join(", ")}; expected ${expected.join(", ")}`);
