import type { StepTrace, Trace } from "../graph/trace.js";
import type { Usage } from "../lm/types.js";

export interface ExampleError {
  /** Where it failed: a step (LM error after retries, unreadable output) or the metric. */
  kind: "step" | "metric";
  message: string;
  step?: string;
  /** The raw completion when the output could not be read. */
  raw?: string;
}

/** What one example's calls sent and cost now: its LM calls, and its agent steps' tool calls. */
export interface CallCounts {
  usage: Usage;
  /** null when some call's price is unknown. */
  costUsd: number | null;
  calls: number;
  cachedCalls: number;
  /** Iterations of agent steps that called a tool (the tool ran now), and those answered from the store; absent when none. */
  toolCalls?: number;
  replayedToolCalls?: number;
}

/** The outcome of one example under one candidate. A failed example scores 0 and says why. */
export interface ExampleResult extends CallCounts {
  exampleId: string;
  /** Position in the evaluated list (results are always reported in this order). */
  index: number;
  score: number;
  feedback?: string;
  outputs?: Record<string, unknown>;
  error?: ExampleError;
  trace: Trace;
  /**
   * What the metric did when it called an LM (an `llm_judge`): its calls, score and feedback, as a
   * trace entry of module "metric". Counted in the totals with the steps' calls; stored after them.
   */
  metricTrace?: StepTrace;
  latencyMs: number;
  /** Reused from an earlier evaluation of the same candidate on the same example: nothing sent. */
  memoized?: boolean;
  /**
   * What this result cost when it was really computed — LM calls and USD, cache hits and memoized
   * results counted at their original price. Budgets count this, so a resumed run (answered from
   * the store) takes exactly the decisions an uninterrupted one took.
   */
  nominal: { calls: number; costUsd: number | null };
}

/** A result without its trace: what summaries and reports keep of an example once it is recorded. */
export type ResultDigest = Omit<ExampleResult, "trace">;

export type StopReason = "budget" | "interrupted" | "fatal";

/** The examples' call counts summed (tool calls present only when there were some). */
export interface EvalSummary extends CallCounts {
  /** Examples asked for. */
  total: number;
  /** Examples that finished (scored or failed). */
  done: number;
  mean: number;
  ci95: [number, number];
  errors: number;
  /** Results reused from earlier evaluations. */
  memoized: number;
  wallMs: number;
  /** Set when evaluation stopped before every example was done. */
  stopped?: StopReason;
}

/** What an evaluation keeps however many examples it scores: the summary and the lowest-scoring results. */
export interface EvalOutcome {
  summary: EvalSummary;
  /** The lowest-scoring results (below 1, or failed), lowest first, errors first among equals; at most the number asked for. */
  lowest: ResultDigest[];
}

/** An evaluation with every result kept (what optimizers and comparisons need). */
export interface EvalReport extends EvalOutcome {
  /** In example order; examples never dispatched are absent. */
  results: ExampleResult[];
}
