import { addUsage, ZERO_USAGE, type Usage } from "../lm/types.js";
import { LowestResults } from "./lowest.js";
import { meanWithCI } from "./stats.js";
import type { EvalOutcome, EvalSummary, ExampleResult, StopReason } from "./types.js";

/**
 * An evaluation's summary, built as results arrive, in any order, without keeping them. Counts and
 * token totals are sums of integers; the mean, its interval and the cost are computed from a column
 * of numbers per example (8 bytes each) in example order, so they are exactly what the same results
 * give reduced in example order, whatever order they finished in — the same figures run after run.
 */
export class EvalTally {
  private readonly scores: Float64Array;
  private readonly costs: Float64Array;
  private readonly lowest: LowestResults;
  private done = 0;
  private errors = 0;
  private memoized = 0;
  private calls = 0;
  private cachedCalls = 0;
  private toolCalls = 0;
  private replayedToolCalls = 0;
  private usage: Usage = ZERO_USAGE;
  private costUnknown = false;

  constructor(
    readonly total: number,
    lowest: number,
  ) {
    // NaN marks an example not (yet) done: a result's score is always finite (a non-finite one is an error scoring 0).
    this.scores = new Float64Array(total).fill(NaN);
    this.costs = new Float64Array(total);
    this.lowest = new LowestResults(lowest);
  }

  add(result: ExampleResult): void {
    this.scores[result.index] = result.score;
    this.done++;
    if (result.error) this.errors++;
    if (result.memoized) this.memoized++;
    this.calls += result.calls;
    this.cachedCalls += result.cachedCalls;
    this.toolCalls += result.toolCalls ?? 0;
    this.replayedToolCalls += result.replayedToolCalls ?? 0;
    this.usage = addUsage(this.usage, result.usage);
    if (result.costUsd === null) this.costUnknown = true;
    else this.costs[result.index] = result.costUsd;
    const { trace: _trace, ...digest } = result;
    this.lowest.offer(digest);
  }

  outcome(wallMs: number, stopped?: StopReason): EvalOutcome {
    const scores: number[] = [];
    let cost = 0;
    for (let i = 0; i < this.total; i++) {
      if (Number.isNaN(this.scores[i])) continue;
      scores.push(this.scores[i]!);
      cost += this.costs[i]!;
    }
    const { mean, ci95 } = meanWithCI(scores);
    const summary: EvalSummary = {
      total: this.total,
      done: this.done,
      mean,
      ci95,
      errors: this.errors,
      usage: this.usage,
      costUsd: this.costUnknown ? null : cost,
      calls: this.calls,
      cachedCalls: this.cachedCalls,
      // Only programs with tools say anything about them: other summaries stay as they were.
      ...(this.toolCalls + this.replayedToolCalls > 0 ? { toolCalls: this.toolCalls, replayedToolCalls: this.replayedToolCalls } : {}),
      memoized: this.memoized,
      wallMs,
      ...(stopped && this.done < this.total ? { stopped } : {}),
    };
    return { summary, lowest: this.lowest.list() };
  }
}
