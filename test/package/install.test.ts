import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { offlineEnv, ROOT } from "../support/cli.js";

/**
 * dspx as another project sees it: `npm pack` of the built package, installed into an empty
 * project, where the CLI runs through `npx` and the library is imported, type-checked and run.
 *
 * What it proves: the tarball holds what the package needs and nothing of the tests; its `bin`,
 * `exports` and types work from outside the repo; every runtime dependency is declared (nothing is
 * found in the repo's node_modules — the project is in a temp folder, and its tree is npm's own).
 * What it does not: the dependencies are the versions of the repo's lockfile, installed from npm's
 * cache (`--offline`, so it needs no network once the cache is warm; `--prefer-offline` when the
 * cache lacks the registry's metadata), and with `--ignore-scripts`: better-sqlite3's native addon
 * is copied from the repo's build instead of being compiled (2 minutes) — the compile itself, and
 * a fresh resolution of the version ranges, are not tested here.
 */

const run = promisify(execFile);
let project: string;
let tarball: string;

const packedFiles = z.array(z.object({ filename: z.string(), files: z.array(z.object({ path: z.string() })) }));
const lockSchema = z.object({
  packages: z.record(z.string(), z.looseObject({ dev: z.boolean().optional(), version: z.string().optional() })),
});
const manifestSchema = z.looseObject({ version: z.string(), dependencies: z.record(z.string(), z.string()), bin: z.record(z.string(), z.string()), engines: z.record(z.string(), z.string()) });

/** npm in `cwd`, offline (falling back to the cache first when npm 11 wants registry metadata it has not cached). */
async function npm(args: string[], cwd: string): Promise<string> {
  const env = { ...offlineEnv(), npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
  try {
    return (await run("npm", [...args, "--offline"], { cwd, env, maxBuffer: 64 * 2 ** 20 })).stdout;
  } catch (err) {
    if (!/ENOTCACHED/.test(String((err as { stderr?: string }).stderr))) throw err;
    return (await run("npm", [...args, "--prefer-offline"], { cwd, env, maxBuffer: 64 * 2 ** 20 })).stdout;
  }
}

/**
 * The consumer's lockfile: dspx from the tarball, its dependencies at the versions the repo tests
 * with (the repo lockfile's non-dev entries), so `npm ci` resolves nothing and takes every tarball
 * from the cache.
 */
async function consumerLock(name: string, tarballName: string): Promise<object> {
  const lock = lockSchema.parse(JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8")));
  const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")));
  const integrity = `sha512-${createHash("sha512").update(await readFile(tarball)).digest("base64")}`;
  const resolved = `file:../${tarballName}`;
  const packages: Record<string, unknown> = {
    "": { name, version: "1.0.0", dependencies: { dspx: resolved } },
    "node_modules/dspx": { version: manifest.version, resolved, integrity, dependencies: manifest.dependencies, bin: manifest.bin, engines: manifest.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key.startsWith("node_modules/") && !entry.dev) packages[key] = entry;
  return { name, version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-package-"));
  // The dist/ `npm test` has just built (prepare's build is skipped: it would be the same one).
  const [packed] = packedFiles.parse(JSON.parse(await npm(["pack", "--json", "--ignore-scripts", "--pack-destination", dir], ROOT)));
  tarball = path.join(dir, packed!.filename);
  project = path.join(dir, "consumer");
  await mkdir(project);
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module", dependencies: { dspx: `file:../${packed!.filename}` } }, null, 2));
  await writeFile(path.join(project, "package-lock.json"), JSON.stringify(await consumerLock("consumer", packed!.filename), null, 2));
  await npm(["ci", "--ignore-scripts"], project);
  // The native addon better-sqlite3 would compile at install (its script was skipped): the repo's build, same version and Node.
  const addon = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
  await mkdir(path.dirname(path.join(project, addon)), { recursive: true });
  await copyFile(path.join(ROOT, addon), path.join(project, addon));
}, 240_000);

/** Runs a command in the consumer project, offline, on sim. */
async function inProject(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(file, args, { cwd: project, env: offlineEnv({ DSPX_DB: path.join(project, "runs/dspx.db") }), maxBuffer: 16 * 2 ** 20 });
}

describe("dspx installed from its npm tarball into an empty project", () => {
  it("ships bin, dist and the README, and nothing of test/, src/, bench/ or source maps", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
    for (const needed of ["package.json", "README.md", "bin/dspx.js", "dist/index.js", "dist/index.d.ts", "dist/bundle/cli.js", "dist/bundle/writer-thread.js"]) expect(files).toContain(needed);
    expect(files.filter((f) => /^(test|src|bench|programs|datasets|runs)\//.test(f) || f.endsWith(".map") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("npx dspx works: --help, and init → eval on sim (the database, with its native addon, and a .mjs metric loaded)", async () => {
    const help = await inProject("npx", ["--offline", "dspx", "--help"]);
    expect(help.stdout).toMatch(/^Usage: dspx /m);
    expect(help.stdout).toMatch(/^\s+run \[options\] <program>/m);
    await inProject("npx", ["--offline", "dspx", "init"]);
    const evaluated = await inProject("npx", ["--offline", "dspx", "eval", "program.yaml", "--json"]);
    const report = JSON.parse(evaluated.stdout);
    expect(report.summary.done).toBeGreaterThan(0);
    expect(report.summary.errors).toBe(0);
  }, 120_000);

  it('import { loadProgram, evaluate, optimize } from "dspx" type-checks under strict settings (no skipLibCheck) and runs on sim', async () => {
    await inProject("npx", ["--offline", "dspx", "init", "--force"]);
    await writeFile(
      path.join(project, "use.ts"),
      `import { loadProgram, evaluate, optimize, Store, type ProgramEvalReport } from "dspx";

const program = await loadProgram("program.yaml");
const outputs: Record<string, unknown> = await program.run({ title: "Crash on start", body: "The app crashes when I open it." });
const report: ProgramEvalReport = await evaluate(program, { split: "dev" });
const store = Store.open("runs/lib.db");
const optimized = await optimize("program.yaml", { optimizer: "labeled" }, store, new AbortController().signal);
store.close();
console.log(JSON.stringify({ outputs, done: report.summary.done, mean: report.summary.mean, optimized: typeof optimized }));
`,
    );
    await writeFile(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: false,
          outDir: "out",
          // Node's types from the repo (the project installs only dspx); dspx's own are found as npm installed them.
          types: ["node"],
          typeRoots: [path.join(ROOT, "node_modules/@types")],
        },
        files: ["use.ts"],
      }),
    );
    // The repo's TypeScript compiler: a consumer brings their own; the package's types are what is checked.
    await inProject(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."]).catch((err: { stdout?: string }) => {
      throw new Error(`tsc in the consumer project failed:\n${err.stdout ?? String(err)}`);
    });
    const used = JSON.parse((await inProject(process.execPath, ["out/use.js"])).stdout);
    expect(Object.keys(used.outputs)).toEqual(["label"]);
    expect(used.done).toBeGreaterThan(0);
    expect(used.mean).toBeGreaterThanOrEqual(0);
    expect(used.optimized).toBe("object");
  }, 240_000);
});
