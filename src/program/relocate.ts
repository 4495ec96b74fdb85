import path from "node:path";

/** A YAML path into a program: keys and sequence indexes, e.g. `["data", "train"]`. */
export type ProgramPath = (string | number)[];

/** Step options that name a file, relative to the program file (retrieve's `corpus`). */
export const STEP_PATH_OPTIONS: readonly string[] = ["corpus"];

/**
 * Every file a program references, with where it is written: `data.train|dev|test`, each step's
 * path options (a retrieve step's `corpus`, a function step's `function.module`), custom metric
 * modules (`metric: { module: … }`, also inside `mean:` lists and `weighted:` items), module tools'
 * files and MCP servers' `cwd`. Values are as written; relative ones are relative to
 * the program file's folder. Only string values are listed (anything else is a schema problem).
 */
export function programPaths(data: unknown): { at: ProgramPath; value: string }[] {
  const out: { at: ProgramPath; value: string }[] = [];
  if (!isRecord(data)) return out;
  if (isRecord(data.data)) {
    for (const split of ["train", "dev", "test"]) {
      const value = data.data[split];
      if (typeof value === "string") out.push({ at: ["data", split], value });
    }
  }
  if (isRecord(data.steps)) {
    for (const [name, step] of Object.entries(data.steps)) {
      if (!isRecord(step)) continue;
      for (const option of STEP_PATH_OPTIONS) {
        const value = step[option];
        if (typeof value === "string") out.push({ at: ["steps", name, option], value });
      }
      // A function step's code.
      if (isRecord(step.function) && typeof step.function.module === "string") out.push({ at: ["steps", name, "function", "module"], value: step.function.module });
    }
  }
  metricPaths(data.metric, ["metric"], out);
  // Module tools' files, and an MCP server's folder when it names one (its args are the server's own).
  if (isRecord(data.tools)) {
    for (const [name, tool] of Object.entries(data.tools)) {
      if (!isRecord(tool)) continue;
      if (typeof tool.module === "string") out.push({ at: ["tools", name, "module"], value: tool.module });
      if (isRecord(tool.mcp) && typeof tool.mcp.cwd === "string") out.push({ at: ["tools", name, "mcp", "cwd"], value: tool.mcp.cwd });
    }
  }
  return out;
}

function metricPaths(metric: unknown, at: ProgramPath, out: { at: ProgramPath; value: string }[]): void {
  if (!isRecord(metric)) return;
  if (typeof metric.module === "string") {
    out.push({ at: [...at, "module"], value: metric.module });
    return;
  }
  if (Array.isArray(metric.mean)) {
    metric.mean.forEach((m, i) => metricPaths(m, [...at, "mean", i], out));
  }
  if (Array.isArray(metric.weighted)) {
    metric.weighted.forEach((item, i) => {
      if (isRecord(item)) metricPaths(item.metric, [...at, "weighted", i, "metric"], out);
    });
  }
}

/**
 * A path written in a program in `fromDir`, rewritten so that it names the same file from a program
 * in `toDir`. Absolute paths, and every path when the folders are the same, are returned unchanged.
 * Separators are `/` (Node reads them on Windows too); a leading `./` is kept when still apt.
 */
export function relocatePath(value: string, fromDir: string, toDir: string): string {
  if (path.isAbsolute(value) || path.resolve(fromDir) === path.resolve(toDir)) return value;
  const target = path.resolve(fromDir, value);
  let rel = path.relative(path.resolve(toDir), target);
  // Another drive (Windows): there is no relative path, so the absolute one is the only right answer.
  if (path.isAbsolute(rel)) return target;
  if (path.sep === "\\") rel = rel.split("\\").join("/");
  if (rel === "") rel = ".";
  const dotted = /^\.[\\/]/.test(value);
  if (dotted && !rel.startsWith("../") && rel !== "..") rel = `./${rel}`;
  return rel;
}

/** The changes `relocatePath` makes to a program's paths (unchanged paths are left out). */
export function pathChanges(data: unknown, fromDir: string, toDir: string): { at: ProgramPath; from: string; to: string }[] {
  return programPaths(data)
    .map(({ at, value }) => ({ at, from: value, to: relocatePath(value, fromDir, toDir) }))
    .filter((c) => c.to !== c.from);
}

/**
 * A copy of a program's data (as parsed from its file) whose relative paths name the same files
 * from `toDir` as they did from `fromDir`.
 */
export function relocatePaths<T>(data: T, fromDir: string, toDir: string): T {
  const copy = structuredClone(data);
  for (const { at, to } of pathChanges(data, fromDir, toDir)) setIn(copy, at, to);
  return copy;
}

/** Sets the value at `at` inside plain data whose parents all exist. */
export function setIn(data: unknown, at: ProgramPath, value: unknown): void {
  let node = data as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1]!] = value;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
