import type { ExampleResult } from "../evaluate/types.js";
import type { LMCallRecord } from "../lm/types.js";

/** Limits of a run. Unset limits do not apply. */
export interface BudgetLimits {
  /** LM calls of every kind: the student's, the teacher's, proposals and reflections, judges. */
  calls?: number;
  usd?: number;
  /** Wall time, over every session of the run. */
  timeMs?: number;
  /** Metric calls: (candidate, example) evaluations. */
  rollouts?: number;
}

/** What a run has used; checkpointed, so a resumed run continues the count. */
export interface BudgetUsage {
  calls: number;
  usd: number;
  rollouts: number;
  /** Of the calls, the proposal/reflection ones (reported apart). */
  proposalCalls: number;
  elapsedMs: number;
}

/**
 * Counts what a run uses against its limits. Calls and USD are counted at their nominal value (a
 * cache hit or a memoized result counts what it cost when first made) so a resumed run, answered
 * from the store, reaches exactly the decisions of an uninterrupted one. Checked before work is
 * dispatched: a run overshoots by at most what is in flight.
 */
export class Budget {
  readonly used: BudgetUsage;
  private readonly sessionStart: number;
  private readonly elapsedBefore: number;

  constructor(
    readonly limits: BudgetLimits,
    used?: BudgetUsage,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.used = used ? { ...used } : { calls: 0, usd: 0, rollouts: 0, proposalCalls: 0, elapsedMs: 0 };
    this.elapsedBefore = this.used.elapsedMs;
    this.sessionStart = now();
  }

  elapsedMs(): number {
    return this.elapsedBefore + (this.now() - this.sessionStart);
  }

  /** Which limit is reached, if any. */
  exhausted(): string | undefined {
    const l = this.limits;
    if (l.calls !== undefined && this.used.calls >= l.calls) return "LM calls";
    if (l.usd !== undefined && this.used.usd >= l.usd) return "USD";
    if (l.rollouts !== undefined && this.used.rollouts >= l.rollouts) return "rollouts";
    if (l.timeMs !== undefined && this.elapsedMs() >= l.timeMs) return "time";
    return undefined;
  }

  /** Counts one (candidate, example) evaluation. */
  chargeResult(result: ExampleResult): void {
    this.used.rollouts += 1;
    this.used.calls += result.nominal.calls;
    this.used.usd += result.nominal.costUsd ?? 0;
  }

  /** Counts LM calls made outside evaluations (teacher traces are evaluations; proposals are not). */
  chargeCalls(calls: readonly LMCallRecord[], kind: "proposal" | "other" = "other"): void {
    this.used.calls += calls.length;
    if (kind === "proposal") this.used.proposalCalls += calls.length;
    for (const c of calls) this.used.usd += (c.cached ? (c.nominalCostUsd ?? 0) : c.costUsd) ?? 0;
  }

  /** The usage to checkpoint (time included). */
  snapshot(): BudgetUsage {
    return { ...this.used, elapsedMs: this.elapsedMs() };
  }
}
