import type { ExampleResult } from "../evaluate/types.js";
import { callCost } from "../lm/pricing.js";
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

/** What a piece of work will use at most, in the units whose use can be foreseen. */
export interface Need {
  calls?: number;
  rollouts?: number;
}

/**
 * How results are counted: at their `nominal` value (an optimization: a cache hit or a memoized
 * result counts what it cost when first made, so a resumed run, answered from the store, reaches
 * exactly the decisions of an uninterrupted one), or at what they cost now (`spent`: `dspx eval
 * --max-usd`, which pays nothing for what the store answers).
 */
export type Counting = "nominal" | "spent";

/**
 * Counts what a run uses against its limits. Checked before work is dispatched (`exhausted`,
 * `ensure`): a run overshoots by at most what is in flight.
 */
export class Budget {
  readonly used: BudgetUsage;
  private readonly sessionStart: number;
  private readonly elapsedBefore: number;
  /** Some result's price was unknown: the USD counted is not the whole cost. */
  private unpriced = false;

  constructor(
    readonly limits: BudgetLimits,
    used?: BudgetUsage,
    private readonly now: () => number = () => performance.now(),
    private readonly counting: Counting = "nominal",
  ) {
    this.used = used ? { ...used } : { calls: 0, usd: 0, rollouts: 0, proposalCalls: 0, elapsedMs: 0 };
    this.elapsedBefore = this.used.elapsedMs;
    this.sessionStart = now();
  }

  elapsedMs(): number {
    return this.elapsedBefore + (this.now() - this.sessionStart);
  }

  /**
   * Which limit refuses work now, if any: one already reached, or — given what the work needs —
   * one the work would go past. The one budget check: everything that spends asks it first.
   */
  exhausted(need: Need = {}): string | undefined {
    const { limits: l, used } = this;
    if (l.calls !== undefined && used.calls >= l.calls) return "LM calls";
    if (l.usd !== undefined && used.usd >= l.usd) return "USD";
    if (l.rollouts !== undefined && used.rollouts >= l.rollouts) return "rollouts";
    if (l.timeMs !== undefined && this.elapsedMs() >= l.timeMs) return "time";
    return this.overshoot(need);
  }

  /**
   * Whether work needing `need` fits in what the call and rollout limits have left (how much work
   * to plan; USD and time cannot be foreseen, so they end a run through `ensure` instead).
   */
  fits(need: Need): boolean {
    return this.overshoot(need) === undefined;
  }

  private overshoot(need: Need): string | undefined {
    const { limits: l, used } = this;
    if (l.calls !== undefined && need.calls !== undefined && used.calls + need.calls > l.calls) return "LM calls";
    if (l.rollouts !== undefined && need.rollouts !== undefined && used.rollouts + need.rollouts > l.rollouts) return "rollouts";
    return undefined;
  }

  /** `exhausted` as a precondition: throws BudgetExhausted naming the limit that refuses the work. */
  ensure(need: Need = {}): void {
    const reason = this.exhausted(need);
    if (reason) throw new BudgetExhausted(reason);
  }

  /** Counts one (candidate, example) evaluation. */
  chargeResult(result: ExampleResult): void {
    this.used.rollouts += 1;
    const counted = this.counting === "nominal" ? result.nominal : { calls: result.calls - result.cachedCalls, costUsd: result.costUsd };
    this.used.calls += counted.calls;
    if (counted.costUsd === null) this.unpriced = true;
    this.used.usd += counted.costUsd ?? 0;
  }

  /** The USD counted so far; null once some result's price was unknown. */
  costUsd(): number | null {
    return this.unpriced ? null : this.used.usd;
  }

  /** Counts LM calls made outside evaluations (teacher traces are evaluations; proposals are not). */
  chargeCalls(calls: readonly LMCallRecord[], kind: "proposal" | "other" = "other"): void {
    this.used.calls += calls.length;
    if (kind === "proposal") this.used.proposalCalls += calls.length;
    for (const c of calls) this.used.usd += callCost(c).nominal ?? 0;
  }

  /** The usage to checkpoint (time included). */
  snapshot(): BudgetUsage {
    return { ...this.used, elapsedMs: this.elapsedMs() };
  }
}

/** The budget ran out before a step could finish: the run ends with the last completed step. */
export class BudgetExhausted extends Error {
  constructor(readonly what: string) {
    super(`the ${what} budget is used up`);
    this.name = "BudgetExhausted";
  }
}
