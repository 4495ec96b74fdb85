import { isFatal, type ExecContext } from "../graph/execute.js";
import type { Trace } from "../graph/trace.js";
import type { Graph } from "../graph/types.js";
import { addCost } from "../lm/pricing.js";
import { addUsage, ZERO_USAGE, type Usage } from "../lm/types.js";
import type { ProgramState } from "../program/state.js";
import { forEachConcurrentFrom } from "../evaluate/concurrency.js";
import { InOrder } from "../evaluate/in-order.js";
import { accounting, runExample, type CallAccounting } from "../evaluate/run-example.js";
import type { ExampleError, StopReason } from "../evaluate/types.js";
import { InterruptedError } from "../util/errors.js";
import { inFlightSignal } from "../util/interrupt.js";
import type { BatchInput } from "./inputs.js";

/** The program's answer to one line of the inputs: its outputs, or why the line failed. */
export interface BatchResult extends CallAccounting {
  /** Position among the inputs (0-based; results are given in this order). */
  index: number;
  line: number;
  id?: string;
  outputs?: Record<string, unknown>;
  error?: ExampleError;
  trace: Trace;
}

export interface BatchSummary {
  /** Inputs given. */
  total: number;
  /** Inputs answered (with outputs or an error), the first `done` of the file. */
  done: number;
  ok: number;
  errors: number;
  /** LM calls made, and how many of them the cache answered (nothing sent). */
  calls: number;
  cachedCalls: number;
  /** Tokens of the calls sent now (cache hits cost nothing). */
  usage: Usage;
  /** null when some call's price is unknown. */
  costUsd: number | null;
  wallMs: number;
  stopped?: StopReason;
}

export interface PredictBatchOptions {
  graph: Graph;
  state: ProgramState;
  exec: Omit<ExecContext, "signal">;
  /** The inputs, pulled one at a time as workers free up (e.g. `readBatchInputs(...)`). */
  inputs: AsyncIterator<BatchInput>;
  /** How many inputs there are (for the summary). */
  total: number;
  concurrency: number;
  signal?: AbortSignal;
  /**
   * Every result, in input order. A promise returned is awaited before more results are given (a
   * file that is behind slows the batch down instead of letting results pile up).
   */
  onResult: (result: BatchResult) => void | Promise<void>;
  /** How many finished results may wait behind a slow one before the workers wait too (default 256). */
  window?: number;
}

export const DEFAULT_WINDOW = 256;

/**
 * Runs the program over a stream of inputs concurrently and hands the results on in input order,
 * in bounded memory: the inputs are pulled as workers free up, and a result is let go once given.
 * A line whose step fails is a result with its error; the batch goes on. Fatal errors (provider
 * unusable, interrupt) stop dispatching, let the calls in flight end, and are rethrown with the
 * summary of what was given attached (`partial`).
 */
export async function predictBatch(options: PredictBatchOptions): Promise<BatchSummary> {
  const began = performance.now();
  const tally = new BatchTally(options.total);
  const signal = options.signal;
  let stopped: StopReason | undefined;
  // `signal` stops dispatching; a line once started runs to its end unless the stop has a second
  // stage that aborts it (see inFlightSignal), so its result is given and its calls are cached.
  const inFlight = inFlightSignal(signal);
  const exec: ExecContext = inFlight ? { ...options.exec, signal: inFlight } : options.exec;
  const inOrder = new InOrder<BatchResult>((r) => {
    tally.add(r);
    return options.onResult(r);
  }, options.window ?? DEFAULT_WINDOW);
  const canDispatch = () => {
    if (signal?.aborted) stopped = "interrupted";
    return !stopped;
  };
  try {
    await forEachConcurrentFrom(
      () => options.inputs.next(),
      options.concurrency,
      async (input, index) => {
        try {
          const run = await runExample(options.graph, options.state, input.inputs, exec);
          const trace = run.ok ? run.prediction.trace : run.trace;
          const result: BatchResult = { index, line: input.line, ...(input.id !== undefined ? { id: input.id } : {}), trace, ...accounting(trace) };
          if (run.ok) result.outputs = run.prediction.outputs;
          else result.error = run.error;
          await inOrder.put(index, result);
        } catch (err) {
          // The results behind this one will never be given: nobody may keep waiting for them.
          inOrder.abandon();
          throw err;
        }
      },
      canDispatch,
    );
  } catch (err) {
    const kind = isFatal(err) ? (err instanceof InterruptedError ? "interrupted" : "fatal") : undefined;
    if (err && typeof err === "object") (err as { partial?: BatchSummary }).partial = tally.summary(performance.now() - began, kind);
    throw err;
  } finally {
    // Stopped early: close the file the inputs come from.
    await options.inputs.return?.();
  }
  return tally.summary(performance.now() - began, stopped);
}

/** Counts and sums of the results given, in input order (so the cost is the same sum run after run). */
class BatchTally {
  private done = 0;
  private errors = 0;
  private calls = 0;
  private cachedCalls = 0;
  private usage: Usage = ZERO_USAGE;
  private cost: number | null = 0;

  constructor(private readonly total: number) {}

  add(r: BatchResult): void {
    this.done++;
    if (r.error) this.errors++;
    this.calls += r.calls;
    this.cachedCalls += r.cachedCalls;
    this.usage = addUsage(this.usage, r.usage);
    this.cost = addCost(this.cost, r.costUsd);
  }

  summary(wallMs: number, stopped?: StopReason): BatchSummary {
    const s: BatchSummary = {
      total: this.total,
      done: this.done,
      ok: this.done - this.errors,
      errors: this.errors,
      calls: this.calls,
      cachedCalls: this.cachedCalls,
      usage: this.usage,
      costUsd: this.cost,
      wallMs,
    };
    if (stopped) s.stopped = stopped;
    return s;
  }
}
