import type { Example } from "../program/example.js";
import type { Trace } from "../graph/trace.js";
import type { LMCallRecord, LMClient } from "../lm/types.js";
import type { LMConfig } from "../program/types.js";

export interface MetricResult {
  /** Usually in [0, 1]. */
  score: number;
  /** Why, in words: what was expected and what came out. GEPA reflects on this. */
  feedback?: string;
  /** LM calls the metric made (a judge's), so their tokens and cost are counted with the example. */
  calls?: LMCallRecord[];
}

export interface MetricContext {
  /** The client for an LM config (the judge's own, or the program's when absent). */
  lm(config?: LMConfig): LMClient;
  signal?: AbortSignal;
}

export interface Metric {
  /** Human-readable description, e.g. `mean(exact_match(team), exact_match(urgency))`. */
  readonly name: string;
  /** Gold fields this metric reads from each example (checked against the dataset before a run). */
  readonly labels: readonly string[];
  score(example: Example, prediction: Record<string, unknown>, trace: Trace, ctx: MetricContext): Promise<MetricResult>;
}
