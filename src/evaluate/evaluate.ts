import { isFatal, type ExecContext } from "../graph/execute.js";
import { METRIC_MODULE, untraced, type Trace } from "../graph/trace.js";
import type { Graph } from "../graph/types.js";
import type { LMCallRecord } from "../lm/types.js";
import type { Metric, MetricContext } from "../metrics/types.js";
import type { Example } from "../program/example.js";
import type { ProgramState } from "../program/state.js";
import { InterruptedError } from "../util/errors.js";
import { inFlightSignal } from "../util/interrupt.js";
import { forEachConcurrent } from "./concurrency.js";
import type { EvalMemo } from "./memo.js";
import { accounting, runExample } from "./run-example.js";
import type { ExampleList } from "./example-list.js";
import { EvalTally } from "./tally.js";
import type { EvalOutcome, EvalReport, ExampleError, ExampleResult, StopReason } from "./types.js";

/** How many lowest-scoring results an outcome keeps unless asked otherwise. */
export const DEFAULT_LOWEST = 10;

export interface EvaluateOptions {
  graph: Graph;
  state: ProgramState;
  examples: ExampleList;
  metric: Metric;
  exec: Omit<ExecContext, "signal">;
  metricContext: Omit<MetricContext, "signal">;
  concurrency: number;
  signal?: AbortSignal;
  /** Asked before each example is dispatched; false stops (e.g. a cost cap reached). */
  canDispatch?: () => boolean;
  /**
   * Told about every result as it finishes (progress, streaming output, the store). A promise it
   * returns is awaited before that worker takes its next example: a consumer that cannot keep up
   * (a file, the database) slows the evaluation down instead of letting results pile up.
   */
  onResult?: (result: ExampleResult) => void | Promise<void>;
  /** Earlier results to reuse and where to record new ones (its `put` may ask to wait the same way). */
  memo?: EvalMemo;
  /** How many of the lowest-scoring results to keep (default 10). */
  lowest?: number;
}

/**
 * Evaluates one candidate over examples concurrently, keeping only the summary and the lowest-scoring
 * results: each result goes to `memo` and `onResult` and is then let go, so memory does not grow
 * with the number of examples. Failed examples are recorded with their reason and score 0; fatal
 * errors (provider unusable, interrupt) stop dispatching, let the in-flight examples finish, and are
 * rethrown with the partial outcome attached (`partial`). An aborted `signal` stops dispatching
 * too; the outcome then says `stopped: "interrupted"`.
 */
export async function evaluateStreaming(options: EvaluateOptions): Promise<EvalOutcome> {
  const began = performance.now();
  const tally = new EvalTally(options.examples.length, options.lowest ?? DEFAULT_LOWEST);
  let stopped: StopReason | undefined;
  const signal = options.signal;
  const canDispatch = () => {
    if (signal?.aborted) {
      stopped = "interrupted";
      return false;
    }
    if (options.canDispatch && !options.canDispatch()) {
      stopped = "budget";
      return false;
    }
    return true;
  };
  // `signal` stops dispatching; an example once started runs to its end unless the stop has a
  // second stage that aborts it (see inFlightSignal), so its result is recorded and counts.
  const inFlight = inFlightSignal(signal);
  const exec: ExecContext = inFlight ? { ...options.exec, signal: inFlight } : options.exec;
  const metricContext: MetricContext = inFlight ? { ...options.metricContext, signal: inFlight } : options.metricContext;
  try {
    await forEachConcurrent(
      options.examples.length,
      options.concurrency,
      async (index) => {
        const example = options.examples.at(index)!;
        const result = (await options.memo?.get(example, index)) ?? kept(options.memo, await evaluateOne(options, example, index, exec, metricContext));
        const recorded = options.memo?.put(example, result);
        tally.add(result);
        const consumed = options.onResult?.(result);
        if (recorded || consumed) await Promise.all([recorded, consumed]);
      },
      canDispatch,
    );
  } catch (err) {
    const outcome = tally.outcome(performance.now() - began, isFatal(err) ? (err instanceof InterruptedError ? "interrupted" : "fatal") : undefined);
    if (err && typeof err === "object") (err as { partial?: EvalOutcome }).partial = outcome;
    throw err;
  }
  return tally.outcome(performance.now() - began, stopped);
}

/**
 * `evaluateStreaming` that also keeps every result, in example order: for the small sets optimizers
 * and comparisons score, which need each example's score and trace. A fatal error's `partial` then
 * carries the results that finished too.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const slots: (ExampleResult | undefined)[] = new Array(options.examples.length);
  const withResults = (outcome: EvalOutcome): EvalReport => ({ ...outcome, results: slots.filter((r): r is ExampleResult => r !== undefined) });
  try {
    return withResults(
      await evaluateStreaming({
        ...options,
        onResult: (r) => {
          slots[r.index] = r;
          return options.onResult?.(r);
        },
      }),
    );
  } catch (err) {
    const partial = (err as { partial?: EvalOutcome } | undefined)?.partial;
    if (partial) (err as { partial?: EvalReport }).partial = withResults(partial);
    throw err;
  }
}

/** A new result as the memo keeps it: without traces under --no-traces (the memo strips the results it reuses itself). */
function kept(memo: EvalMemo | undefined, result: ExampleResult): ExampleResult {
  if (memo?.traces !== false) return result;
  const stripped: ExampleResult = { ...result, trace: untraced(result.trace) };
  if (result.metricTrace) stripped.metricTrace = untraced([result.metricTrace])[0]!;
  return stripped;
}

async function evaluateOne(
  options: EvaluateOptions,
  example: Example,
  index: number,
  exec: ExecContext,
  metricContext: MetricContext,
): Promise<ExampleResult> {
  const began = performance.now();
  const run = await runExample(options.graph, options.state, example.inputs, exec);
  if (!run.ok) return result(example.id, index, 0, run.trace, [], began, { error: run.error });
  const { outputs, trace } = run.prediction;
  try {
    const judging = performance.now();
    const scored = await options.metric.score(example, outputs, trace, metricContext);
    if (!Number.isFinite(scored.score)) throw new Error(`metric returned a non-finite score (${scored.score})`);
    const r = result(example.id, index, scored.score, trace, scored.calls ?? [], began, { outputs, feedback: scored.feedback });
    if (scored.calls?.length) {
      const judged = { score: scored.score, ...(scored.feedback !== undefined ? { feedback: scored.feedback } : {}) };
      r.metricTrace = { step: options.metric.name, module: METRIC_MODULE, inputs: {}, outputs: judged, calls: [...scored.calls], latencyMs: performance.now() - judging };
    }
    return r;
  } catch (err) {
    if (isFatal(err)) throw err;
    const message = `metric ${options.metric.name}: ${(err as Error)?.message ?? String(err)}`;
    return result(example.id, index, 0, trace, [], began, { outputs, error: { kind: "metric", message } });
  }
}

function result(
  exampleId: string,
  index: number,
  score: number,
  trace: Trace,
  judgeCalls: readonly LMCallRecord[],
  began: number,
  extra: { outputs?: Record<string, unknown>; feedback?: string | undefined; error?: ExampleError },
): ExampleResult {
  const r: ExampleResult = { exampleId, index, score, trace, ...accounting(trace, judgeCalls), latencyMs: performance.now() - began };
  if (extra.outputs) r.outputs = extra.outputs;
  if (extra.feedback !== undefined) r.feedback = extra.feedback;
  if (extra.error) r.error = extra.error;
  return r;
}
