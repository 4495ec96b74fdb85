import { stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exampleRecord } from "../program/example.js";
import type { Trace } from "../graph/trace.js";
import { errorMessage, UserError, type SourcePos } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import type { Metric, MetricResult } from "./types.js";
import { clip } from "./field.js";
import { displayPath } from "../util/display-path.js";

/** What a user metric module exports: called once per example, may be async. */
export type UserMetricFunction = (
  example: Record<string, unknown> & { id: string },
  prediction: Record<string, unknown>,
  trace: Trace,
) => unknown;

export interface CustomSpec {
  /** As written, relative to the program's directory. */
  module: string;
  export: string;
}

const TS_EXTENSIONS = [".ts", ".mts", ".cts"];
const JS_EXTENSIONS = [".js", ".mjs", ".cjs"];
const EXPECTED_SIGNATURE = "(example, prediction, trace) => number | { score, feedback? }";

/** `at` is where the program file names the module: its errors are reported there. */
export async function custom(spec: CustomSpec, programDir: string, at: SourcePos): Promise<Metric> {
  const fn = await loadMetricFunction(spec, programDir, at);
  const label = spec.export === "default" ? spec.module : `${spec.module}#${spec.export}`;
  return {
    name: `custom(${label})`,
    labels: [],
    async score(example, prediction, trace) {
      const returned: unknown = await fn(exampleRecord(example), prediction, trace);
      return readResult(returned, label);
    },
  };
}

async function loadMetricFunction(spec: CustomSpec, programDir: string, at: SourcePos): Promise<UserMetricFunction> {
  const problem = (message: string, hint?: string): UserError =>
    new UserError({ message: `metric module ${spec.module}: ${message}`, pos: at, hint });

  const path = resolve(programDir, spec.module);
  const ext = extname(path).toLowerCase();
  if (!TS_EXTENSIONS.includes(ext) && !JS_EXTENSIONS.includes(ext)) {
    throw problem(`expected a ${[...TS_EXTENSIONS, ...JS_EXTENSIONS].join(", ")} file`);
  }
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) throw problem(`file not found (looked for ${displayPath(path)})`, "paths are relative to the program file");

  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(path, TS_EXTENSIONS.includes(ext));
  } catch (err) {
    throw problem(`could not be loaded: ${loadFailure(err)}`);
  }

  const exports = moduleExports(namespace);
  const value = exports[spec.export];
  if (value === undefined) {
    const names = Object.keys(exports).filter((k) => k !== "__esModule");
    const hint =
      suggestionHint(spec.export, names) ??
      (names.length > 0 ? `it exports: ${names.join(", ")}` : "it exports nothing");
    const what = spec.export === "default" ? "no default export" : `no export named \`${spec.export}\``;
    throw problem(`${what}; expected a function ${EXPECTED_SIGNATURE}`, hint);
  }
  if (typeof value !== "function") {
    throw problem(`export \`${spec.export}\` is ${describeType(value)}; expected a function ${EXPECTED_SIGNATURE}`);
  }
  return value as UserMetricFunction;
}

async function importModule(path: string, typescript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (typescript) {
    // Loaded on demand: programs without a TypeScript metric never pay for the transpiler.
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

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

/** A user metric's return as a MetricResult; booleans count as 1 and 0, as DSPy metrics often return them. */
function readResult(returned: unknown, label: string): MetricResult {
  if (typeof returned === "boolean") return { score: returned ? 1 : 0 };
  if (typeof returned === "number") return { score: finiteScore(returned, label) };
  if (returned !== null && typeof returned === "object" && !Array.isArray(returned)) {
    const { score, feedback } = returned as { score?: unknown; feedback?: unknown };
    if (typeof score === "number" || typeof score === "boolean") {
      const value = typeof score === "boolean" ? (score ? 1 : 0) : finiteScore(score, label);
      if (feedback === undefined || feedback === null) return { score: value };
      if (typeof feedback === "string") return { score: value, feedback };
      throw new Error(`metric ${label} returned feedback that is ${describeType(feedback)}; expected a string`);
    }
  }
  throw new Error(
    `metric ${label} returned ${describeValue(returned)}; expected a number or { score: number, feedback?: string }`,
  );
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(clip(value, 60));
  if (value !== null && typeof value === "object") {
    try {
      return clip(JSON.stringify(value), 80);
    } catch {
      return describeType(value);
    }
  }
  return describeType(value);
}

function finiteScore(score: number, label: string): number {
  if (!Number.isFinite(score)) throw new Error(`metric ${label} returned a score of ${score}; expected a finite number`);
  return score;
}
