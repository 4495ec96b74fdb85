import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

/**
 * The layers of src/, top to bottom (DESIGN.md §2): a module imports only modules of its own level
 * or a lower one. `api/` holds the façade's internals, beside index.ts; version.ts sits with util;
 * batch/ (batch prediction) sits with evaluate, whose machinery it reuses.
 */
const LEVELS: readonly (readonly string[])[] = [
  ["cli", "view"],
  ["index.ts", "api"],
  ["optimize"],
  ["evaluate", "batch"],
  ["runtime"],
  ["graph", "metrics"],
  ["modules", "tools"],
  ["adapters"],
  ["lm"],
  ["store"],
  ["program", "signature"],
  ["util", "version.ts"],
];

const SRC = path.join(ROOT, "src");
const levelOf = new Map(LEVELS.flatMap((names, i) => names.map((n) => [n, LEVELS.length - i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : /\.ts$/.test(name) ? [file] : [];
  });
}

/** Every module a file imports, statically or dynamically, types included, as paths under src/. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith(".")).map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)));
}

/** The top-level entry of src/ a path is in: a folder, or a file at the top. */
const part = (relative: string) => relative.split(path.sep)[0]!.replace(/\.js$/, ".ts");

interface Upward {
  file: string;
  imports: string;
}

function upwardImports(files: readonly string[]): Upward[] {
  const found: Upward[] = [];
  for (const file of files) {
    const from = part(path.relative(SRC, file));
    for (const target of importsOf(file, readFileSync(file, "utf8"))) {
      if ((levelOf.get(part(target)) ?? Infinity) > levelOf.get(from)!) found.push({ file: path.relative(ROOT, file), imports: target });
    }
  }
  return found;
}

describe("the layers of src/", () => {
  const files = sourceFiles(SRC);

  it("are known: every folder and top-level file of src/ has its level", () => {
    const parts = new Set(files.map((f) => part(path.relative(SRC, f))));
    expect([...parts].filter((p) => !levelOf.has(p))).toEqual([]);
  });

  it("import nothing above them (store knows nothing of lm; optimizers nothing of the façade or the CLI)", () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it("are checked by a test that sees an upward import, static, dynamic or of types only", () => {
    const probe = (name: string, text: string) => importsOf(path.join(SRC, name), text).map(part);
    expect(probe("store/x.ts", 'import type { LMResponse } from "../lm/types.js";')).toEqual(["lm"]);
    expect(probe("optimize/x.ts", 'const { Program } = await import("../api/program.js");')).toEqual(["api"]);
    expect(probe("runtime/x.ts", 'export { x } from "../evaluate/y.js";\nimport "../optimize/z.js";')).toEqual(["evaluate", "optimize"]);
    const upward = (from: string, to: string) => (levelOf.get(to) ?? Infinity) > levelOf.get(from)!;
    expect(upward("store", "lm")).toBe(true);
    expect(upward("optimize", "index.ts")).toBe(true);
    expect(upward("optimize", "runtime")).toBe(false);
    expect(upward("metrics", "graph")).toBe(false);
  });
});
