import type { Example } from "../program/example.js";
import type { EvaluationRow, EvaluationsStore } from "../store/evaluations-store.js";
import { hashOf } from "../util/canonical.js";
import type { ExampleResult } from "./types.js";

/** Where an evaluation finds earlier results and records new ones. */
export interface EvalMemo {
  /** An earlier error-free result of this candidate on this example, if any. */
  get(example: Example, index: number): ExampleResult | undefined;
  /** A result just produced or reused. */
  put(example: Example, result: ExampleResult): void;
}

/** The memo key of one (candidate, example) under given fingerprints. */
export function evaluationKey(parts: { program: string; lm: string; metric: string }, candidate: string, example: Example): string {
  return hashOf({ v: 1, ...parts, candidate, example: { id: example.id, inputs: example.inputs, labels: example.labels } });
}

/**
 * The store-backed memo for one candidate: reuses earlier evaluations, stores new ones, and (when
 * a run is given) links each result to the run, on the dataset, at the example's position.
 */
export function storeMemo(options: {
  evaluations: EvaluationsStore;
  fingerprints: { program: string; lm: string; metric: string };
  candidate: string;
  link?: { runId: string; dataset: string };
}): EvalMemo {
  const { evaluations, fingerprints, candidate, link } = options;
  const keys = new Map<string, string>();
  const ids = new Map<string, string>();
  const keyOf = (example: Example) => {
    let k = keys.get(example.id);
    if (!k) keys.set(example.id, (k = evaluationKey(fingerprints, candidate, example)));
    return k;
  };
  return {
    get(example, index) {
      const found = evaluations.lookup(keyOf(example));
      if (!found) return undefined;
      ids.set(example.id, found.id);
      return fromRow(found.row, example.id, index);
    },
    put(example, result) {
      const evalId = result.memoized ? ids.get(example.id)! : evaluations.add(keyOf(example), candidate, example.id, toRow(result));
      if (link) evaluations.link({ ...link, candidate, exampleId: example.id, idx: result.index, evalId, memoized: Boolean(result.memoized) });
    },
  };
}

export function toRow(r: ExampleResult): EvaluationRow {
  const row: EvaluationRow = {
    score: r.score,
    trace: r.trace,
    usage: r.usage,
    costUsd: r.costUsd,
    nominalCostUsd: r.nominal.costUsd,
    calls: r.calls,
    cachedCalls: r.cachedCalls,
    latencyMs: r.latencyMs,
  };
  if (r.feedback !== undefined) row.feedback = r.feedback;
  if (r.outputs !== undefined) row.outputs = r.outputs;
  if (r.error !== undefined) row.error = r.error;
  return row;
}

/** A stored evaluation as this run's result: reused, so nothing was sent or spent now. */
export function fromRow(row: EvaluationRow, exampleId: string, index: number): ExampleResult {
  const r: ExampleResult = {
    exampleId,
    index,
    score: row.score,
    trace: row.trace as ExampleResult["trace"],
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
    costUsd: 0,
    calls: 0,
    cachedCalls: 0,
    latencyMs: 0,
    memoized: true,
    nominal: { calls: row.calls, costUsd: row.nominalCostUsd },
  };
  if (row.feedback !== undefined) r.feedback = row.feedback;
  if (row.outputs !== undefined) r.outputs = row.outputs;
  if (row.error !== undefined) r.error = row.error as ExampleResult["error"];
  return r;
}
