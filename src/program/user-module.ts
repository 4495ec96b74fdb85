import { readFile, stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { displayPath } from "../util/display-path.js";
import { errorMessage } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";

/**
 * Loading one export of a user's JS or TS module (a metric, a tool, a function step): TypeScript
 * through tsx, loaded on demand so programs without one never pay for the transpiler.
 */

const TS_EXTENSIONS = [".ts", ".mts", ".cts"];
const JS_EXTENSIONS = [".js", ".mjs", ".cjs"];

/** Why a user module cannot be used, in words (the caller adds where the program names it). */
export class UserModuleError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserModuleError";
  }
}

export interface UserExport {
  value: unknown;
  /** Absolute path of the module. */
  file: string;
  /** sha256-able text of the module file (its own source, not what it imports). */
  text: string;
}

/**
 * The export `name` of the module at `module` (relative to `dir`). `expected` describes what the
 * export should be, for the message when it is missing. Throws UserModuleError.
 */
export async function loadUserExport(module: string, name: string, dir: string, expected: string): Promise<UserExport> {
  const file = resolve(dir, module);
  const ext = extname(file).toLowerCase();
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw new UserModuleError(`expected a ${[...TS_EXTENSIONS, ...JS_EXTENSIONS].join(", ")} file`);
  }
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw new UserModuleError(`file not found (looked for ${displayPath(file)})`, "paths are relative to the program file");

  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(file, TS_EXTENSIONS.includes(ext));
  } catch (err) {
    throw new UserModuleError(`could not be loaded: ${loadFailure(err)}`);
  }
  const exports = moduleExports(namespace);
  const value = exports[name];
  if (value === undefined) {
    const names = Object.keys(exports).filter((k) => k !== "__esModule");
    const hint = suggestionHint(name, names) ?? (names.length > 0 ? `it exports: ${names.join(", ")}` : "it exports nothing");
    const what = name === "default" ? "no default export" : `no export named \`${name}\``;
    throw new UserModuleError(`${what}; expected ${expected}`, hint);
  }
  return { value, file, text: await readFile(file, "utf8") };
}

async function importModule(path: string, typescript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (typescript) {
    const { tsImport } = await import("tsx/esm/api");
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/** Why loading failed, on one line: tsx puts the useful part (file:line:col and error) second. */
function loadFailure(err: unknown): string {
  const lines = errorMessage(err)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const first = /^Transform failed with \d+ errors?:$/.test(lines[0] ?? "") ? lines[1] : lines[0];
  const text = first ?? "unknown error";
  return err instanceof SyntaxError && !text.startsWith("SyntaxError") ? `SyntaxError: ${text}` : text;
}

/**
 * The module's real exports. A TypeScript file in a CommonJS package is compiled to CommonJS, so
 * importing it yields `{ default: exports }` with `exports.__esModule` set: unwrap that.
 */
function moduleExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const inner = namespace["default"];
  if (inner !== null && typeof inner === "object" && (inner as { __esModule?: unknown }).__esModule === true) {
    return { ...(inner as Record<string, unknown>) };
  }
  return namespace;
}

/** What a value is, for messages: `a string`, `an object`, `null`. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}
