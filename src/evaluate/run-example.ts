import { executeGraph, StepFailure, type ExecContext } from "../graph/execute.js";
import type { Prediction, Trace } from "../graph/trace.js";
import type { Graph } from "../graph/types.js";
import { addCost, callCost } from "../lm/pricing.js";
import { addUsage, ZERO_USAGE, type LMCallRecord } from "../lm/types.js";
import type { ProgramState } from "../program/state.js";
import type { CallCounts, ExampleError } from "./types.js";

/** One input run through the graph: its prediction, or the step that failed and why (with the trace so far). */
export type ExampleRun = { ok: true; prediction: Prediction } | { ok: false; error: ExampleError; trace: Trace };

/**
 * Runs the graph on one input, turning a step's failure (an LM error after retries, an unreadable
 * completion) into a value: the input is recorded as failed and the others go on. Fatal errors
 * (provider unusable, interrupt) are thrown.
 */
export async function runExample(graph: Graph, state: ProgramState, inputs: Record<string, unknown>, exec: ExecContext): Promise<ExampleRun> {
  try {
    return { ok: true, prediction: await executeGraph(graph, state, inputs, exec) };
  } catch (err) {
    if (!(err instanceof StepFailure)) throw err;
    const error: ExampleError = { kind: "step", message: err.message, step: err.step };
    if (err.raw !== undefined) error.raw = err.raw;
    return { ok: false, error, trace: err.trace };
  }
}

/** What one example's LM calls sent and cost now, and (`nominal`) what they cost when first made. */
export interface CallAccounting extends CallCounts {
  nominal: { calls: number; costUsd: number | null };
}

/** Tokens, cost and calls of one example: its steps' LM calls and its judge's. */
export function accounting(trace: Trace, judgeCalls: readonly LMCallRecord[] = []): CallAccounting {
  let usage = ZERO_USAGE;
  let cost: number | null = 0;
  let nominal: number | null = 0;
  let calls = 0;
  let cachedCalls = 0;
  for (const list of [...trace.map((s) => s.calls), judgeCalls]) {
    for (const call of list) {
      calls++;
      if (call.cached) cachedCalls++;
      else usage = addUsage(usage, call.usage);
      const { spent, nominal: original } = callCost(call);
      cost = addCost(cost, spent);
      nominal = addCost(nominal, original);
    }
  }
  return { usage, costUsd: cost, calls, cachedCalls, ...toolCallsOf(trace), nominal: { calls, costUsd: nominal } };
}

/**
 * An agent iteration called a tool when it has a tool time (see react-observe): its call reached the
 * tool layer, whatever came of it (a result, an exception, a timeout, arguments the schema refused).
 * Replayed ones were answered from the store.
 */
export function toolCallsOf(trace: Trace): { toolCalls?: number; replayedToolCalls?: number } {
  let toolCalls = 0;
  let replayedToolCalls = 0;
  for (const step of trace) {
    for (const it of step.trajectory ?? []) {
      if (it.toolLatencyMs === undefined) continue;
      if (it.replayed) replayedToolCalls++;
      else toolCalls++;
    }
  }
  return toolCalls + replayedToolCalls > 0 ? { toolCalls, replayedToolCalls } : {};
}
