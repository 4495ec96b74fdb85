import { exampleRecord } from "../program/example.js";
import type { Trace } from "../graph/trace.js";
import { UserError, type SourcePos } from "../util/errors.js";
import { describeType, loadUserExport, UserModuleError } from "../program/user-module.js";
import type { Metric, MetricResult } from "./types.js";
import { clip } from "./field.js";

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
  let value: unknown;
  try {
    ({ value } = await loadUserExport(spec.module, spec.export, programDir, `a function ${EXPECTED_SIGNATURE}`));
  } catch (err) {
    if (err instanceof UserModuleError) throw problem(err.message, err.hint);
    throw err;
  }
  if (typeof value !== "function") {
    throw problem(`export \`${spec.export}\` is ${describeType(value)}; expected a function ${EXPECTED_SIGNATURE}`);
  }
  return value as UserMetricFunction;
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
