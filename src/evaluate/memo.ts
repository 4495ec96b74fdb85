import { METRIC_MODULE, untraced, type Trace } from "../graph/trace.js";
import type { Example } from "../program/example.js";
import { exampleBlob, type Blob } from "../store/blobs.js";
import type { EvaluationRow, EvaluationsStore } from "../store/evaluations-store.js";
import { exampleJson } from "../program/example-json.js";
import { sha256 } from "../util/canonical.js";
import { storedTrace } from "./stored-trace.js";
import type { ExampleResult } from "./types.js";

/** Where an evaluation finds earlier results and records new ones. */
export interface EvalMemo {
  /**
   * false (`--no-traces`): results are kept without completions, messages or trajectories. The
   * evaluation strips the new results it makes, `get` those it reuses, so a resumed run sees exactly
   * what an uninterrupted one saw.
   */
  readonly traces?: boolean;
  /** An earlier error-free result of this candidate on this example, if any (a promise when it is still being stored). */
  get(example: Example, index: number): ExampleResult | undefined | Promise<ExampleResult | undefined>;
  /** A result just produced or reused. A promise returned means "wait before producing more" (the store's backlog is full). */
  put(example: Example, result: ExampleResult): void | Promise<void>;
}

/** How many blob hashes a memo remembers having written (see `storeMemo`). */
const WRITTEN_BLOBS_KEPT = 2048;

/**
 * The memo key of one (candidate, example) under given fingerprints: the sha256 of the canonical
 * JSON of `{ v: 1, program, lm, metric, candidate, example: { id, inputs, labels } }`, written
 * around the example's own canonical texts (made once per example, not once per candidate).
 */
export function evaluationKey(parts: { program: string; lm: string; metric: string }, candidate: string, example: Example): string {
  const { inputs, labels } = exampleJson(example);
  const s = JSON.stringify;
  return sha256(
    `{"candidate":${s(candidate)},"example":{"id":${s(example.id)},"inputs":${inputs},"labels":${labels}},"lm":${s(parts.lm)},"metric":${s(parts.metric)},"program":${s(parts.program)},"v":1}`,
  );
}

/**
 * The store-backed memo for one candidate: reuses earlier evaluations, stores new ones, and (when
 * a run is given) links each result to the run, on the dataset, at the example's position. With
 * `record: false` it only reuses (nothing is written); with `reuse: false` it only records. It holds
 * nothing per example once the example's result is put, so a long evaluation does not grow it —
 * but (a bounded number of) the hashes of the blobs it has written, so that the system message and
 * demos every example of the candidate repeats are not sent to the writer with every example. With
 * `traces: false` it stores no messages (and strips what it reuses); with `requireTraces` it reuses
 * only results stored with their traces — for optimizers keeping traces, whose decisions read them.
 */
export function storeMemo(options: {
  evaluations: EvaluationsStore;
  fingerprints: { program: string; lm: string; metric: string };
  candidate: string;
  /** `candidate`: what the run calls the candidate, when not its state hash (a compare run's B of the same state as A). */
  link?: { runId: string; dataset: string; candidate?: string };
  record?: boolean;
  reuse?: boolean;
  traces?: boolean;
  requireTraces?: boolean;
}): EvalMemo {
  const { evaluations, fingerprints, candidate, link } = options;
  const record = options.record ?? true;
  const reuse = options.reuse ?? true;
  const traces = options.traces ?? true;
  // Blobs sent to the writer lately: the shared ones (system message, demo turns) are sent once per
  // round; emptied when full, so that a long evaluation's unique ones do not accumulate.
  const written = new Set<string>();
  const unwritten = (blobs: Blob[]) =>
    blobs.filter((b) => {
      if (written.has(b.hash)) return false;
      if (written.size >= WRITTEN_BLOBS_KEPT) written.clear();
      written.add(b.hash);
      return true;
    });
  // From `get` to `put` of the same example: its key, and which stored evaluation a reused result is.
  const keys = new Map<Example, string>();
  const evalIds = new WeakMap<ExampleResult, string>();
  return {
    traces,
    get(example, index) {
      if (!reuse) return undefined;
      const key = evaluationKey(fingerprints, candidate, example);
      if (record) keys.set(example, key);
      const asResult = (found: { id: string; row: EvaluationRow } | undefined) => {
        if (!found) return undefined;
        const result = fromRow(found.row, example.id, index);
        if (!traces) {
          result.trace = untraced(result.trace);
          if (result.metricTrace) result.metricTrace = untraced([result.metricTrace])[0]!;
        }
        evalIds.set(result, found.id);
        return result;
      };
      const found = evaluations.lookup(key, { traced: options.requireTraces === true });
      return found instanceof Promise ? found.then(asResult) : asResult(found);
    },
    put(example, result) {
      if (!record) return;
      const key = keys.get(example) ?? evaluationKey(fingerprints, candidate, example);
      keys.delete(example);
      // A reused result is linked to the evaluation it came from (one this memo found; any other is stored anew).
      const reused = result.memoized ? evalIds.get(result) : undefined;
      let evalId = reused;
      if (evalId === undefined) {
        const { row, blobs } = toRow(result, example, traces);
        evalId = evaluations.add(key, candidate, example.id, row, unwritten(blobs));
      }
      if (link) evaluations.link({ candidate, ...link, exampleId: example.id, idx: result.index, evalId, memoized: reused !== undefined });
      return evaluations.room();
    },
  };
}

/**
 * A result as stored, and the blobs it names: its calls' messages (when it has them) and its
 * example. `traced`: whether the result carries its traces (false: stripped for --no-traces).
 */
export function toRow(r: ExampleResult, example: Example, traced = true): { row: EvaluationRow; blobs: Blob[] } {
  const stored = storedTrace(r.metricTrace ? [...r.trace, r.metricTrace] : r.trace);
  const json = exampleJson(example);
  const exampleText = exampleBlob(json.inputs, json.labels);
  const row: EvaluationRow = {
    score: r.score,
    trace: stored.trace,
    usage: r.usage,
    costUsd: r.costUsd,
    nominalCostUsd: r.nominal.costUsd,
    calls: r.calls,
    cachedCalls: r.cachedCalls,
    latencyMs: r.latencyMs,
    traced,
    exampleHash: exampleText.hash,
  };
  if (r.feedback !== undefined) row.feedback = r.feedback;
  if (r.outputs !== undefined) row.outputs = r.outputs;
  if (r.error !== undefined) row.error = r.error;
  return { row, blobs: [...stored.blobs, exampleText] };
}

/** A stored evaluation as this run's result: reused, so nothing was sent or spent now. */
export function fromRow(row: EvaluationRow, exampleId: string, index: number): ExampleResult {
  const r: ExampleResult = {
    exampleId,
    index,
    score: row.score,
    trace: [],
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
    costUsd: 0,
    calls: 0,
    cachedCalls: 0,
    latencyMs: 0,
    memoized: true,
    nominal: { calls: row.calls, costUsd: row.nominalCostUsd },
  };
  // The metric's entry, when it called an LM, is the stored trace's last; the steps are the rest.
  const entries = row.trace as Trace;
  const last = entries[entries.length - 1];
  if (last?.module === METRIC_MODULE) {
    r.trace = entries.slice(0, -1);
    r.metricTrace = last;
  } else r.trace = entries;
  if (row.feedback !== undefined) r.feedback = row.feedback;
  if (row.outputs !== undefined) r.outputs = row.outputs;
  if (row.error !== undefined) r.error = row.error as ExampleResult["error"];
  return r;
}
