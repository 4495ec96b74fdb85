// Bundles the CLI into dist/bundle/ (cli.js, a chunk per command, and the store writer thread) after tsc
// has built dist/. A command starts in about a third of the time: Node's ES module loader spends
// most of an unbundled start-up resolving, opening and linking some 250 small files, and zod's
// 60 locale files go unused. The library (dist/index.js) stays unbundled. Packages that are loaded
// only when a command needs them are bundled too, each into chunks of their own that only a dynamic
// import reaches: the provider SDKs and the MCP SDK (from node_modules, each is 100-200 files
// that took Node 100-200 ms to resolve and compile; as a chunk, 15-25 ms). The TypeScript loader,
// esbuild, the SQLite addon and playwright-core stay outside, imported from node_modules when used;
// so do string-width and ora, which src/cli/lazy-package.ts requires by a name esbuild does not
// follow. dist/bundle/packages.json says which packages each chunk holds (what a test of what a
// command loads reads).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// esbuild comes with tsx (a dependency): the same binary that tsx and the writer thread use.
const esbuild = createRequire(createRequire(import.meta.url).resolve("tsx"))("esbuild");

const LAZY = ["better-sqlite3", "tsx", "tsx/*", "esbuild", "playwright-core"];

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** version.ts reads ../package.json beside itself; inside the bundle it is a constant. */
const inlineVersion = {
  name: "inline-version",
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]version\.js$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)};`, loader: "js" }));
  },
};

/**
 * zod's namespace re-exports all its ~60 message locales (`z.locales`); dspx uses only the English
 * one, which zod configures by importing it directly. The rest are not compiled at every start-up.
 */
const englishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: "export {};", loader: "js" }));
  },
};

/** Required on first use by src/cli/lazy-package.ts; bundled, they would run at every start-up again. */
const REQUIRED_LATER = ["ora", "string-width"];

rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });
const { metafile } = await esbuild.build({
  absWorkingDir: root,
  // The writer thread sits beside the chunks: writer.ts starts it as ./writer-thread.js.
  entryPoints: { cli: "dist/cli/main.js", "writer-thread": "dist/store/writer-thread.js" },
  outdir: "dist/bundle",
  // Each command (imported when it runs) is its own chunk, so a command compiles only its own code.
  splitting: true,
  chunkNames: "[name]-[hash]",
  plugins: [inlineVersion, englishOnly],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: LAZY,
  // Bundled CommonJS packages (commander, cli-table3) call require(); ES modules have none.
  banner: { js: 'import { createRequire as __dspxRequire } from "node:module"; const require = __dspxRequire(import.meta.url);' },
  legalComments: "none",
  // Whitespace and syntax only: names stay, so a --verbose stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  metafile: true,
});

const bundledLater = REQUIRED_LATER.filter((name) => Object.keys(metafile.inputs).some((file) => file.startsWith(`node_modules/${name}/`)));
if (bundledLater.length > 0) {
  throw new Error(`${bundledLater.join(", ")} ended up in the CLI bundle: import ${bundledLater.length > 1 ? "them" : "it"} through src/cli/lazy-package.ts, not with a static import`);
}

/** Output chunk (its file name) → the packages under node_modules bundled into it. */
const packages = {};
for (const [file, output] of Object.entries(metafile.outputs)) {
  const names = new Set();
  for (const input of Object.keys(output.inputs)) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) names.add(m[1]);
  }
  if (names.size > 0) packages[file.replace(/^dist\/bundle\//, "")] = [...names].sort();
}
writeFileSync(new URL("../dist/bundle/packages.json", import.meta.url), JSON.stringify(packages, null, 1) + "\n");
