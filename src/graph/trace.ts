import type { TrajectoryStep } from "../lm/tool-types.js";
import type { LMCallRecord } from "../lm/types.js";

/** What one step did for one example. */
export interface StepTrace {
  step: string;
  module: string;
  inputs: Record<string, unknown>;
  /** Parsed outputs (for chain of thought, including `reasoning`). */
  outputs?: Record<string, unknown>;
  error?: string;
  calls: LMCallRecord[];
  /** An agent (react) step's iterations: thought, tool, arguments, observation, error, tokens, time. */
  trajectory?: TrajectoryStep[];
  latencyMs: number;
}

/** Steps in the order they finished being recorded: graph (topological) order. */
export type Trace = StepTrace[];

/**
 * The `module` of the entry a stored trace ends with when the metric called an LM (an `llm_judge`):
 * its calls, kept beside the steps' so a viewer shows the judge's prompt and verdict. No step has it.
 */
export const METRIC_MODULE = "metric";

export interface Prediction {
  /** The program's outputs. */
  outputs: Record<string, unknown>;
  trace: Trace;
}

/**
 * A trace without what only traces need: each call's completion, messages and tool calls, each
 * step's trajectory. Steps' inputs and outputs, errors, tokens, costs and times stay (optimizers
 * build demos and reflections from them). What `--no-traces` keeps, in memory as in the store.
 */
export function untraced(trace: Trace): Trace {
  return trace.map(({ trajectory: _trajectory, ...step }) => ({
    ...step,
    calls: step.calls.map(({ text: _text, messages: _messages, messagesHash: _hash, toolCalls: _toolCalls, ...call }) => call),
  }));
}
