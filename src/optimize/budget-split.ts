import type { BudgetLimits, Need } from "./budget.js";
import type { Optimizer, OptimizerName, Plan, PlanInput } from "./types.js";

/** One optimizer of a run, with the settings it runs with. */
export interface StageSetup {
  name: OptimizerName;
  optimizer: Optimizer;
  settings: Record<string, unknown>;
}

/**
 * How a sequence's budget is split: each stage's share (fractions adding up to 1) and the rule
 * that gave them. The rule is stated in the plan line:
 * - `given`: `--budget-split`, else `optimize.budget_split`, as written;
 * - `plans` (the default, with an LM-call limit): an optimizer whose plan is bounded (it uses at
 *   most so many calls: labeled, bootstrap, random_search) gets what its plan can use, and those
 *   without a bound (beam, gepa) share the rest equally; when the bounded ones alone would take the
 *   whole budget, or every one is bounded, the budget is shared in proportion to what each can use
 *   (an unbounded one counting as the whole budget);
 * - `equal`: with no LM-call limit there is nothing to plan against: equal shares.
 * Stage k may use the budget up to the first k shares (stageLimits): what a stage leaves unused
 * goes to the next, and the last has whatever is left.
 */
export interface Split {
  shares: number[];
  rule: "given" | "plans" | "equal";
}

/** The plan input of a stage, without its settings. */
export type StageInput = Omit<PlanInput, "settings">;

export function splitBudget(stages: readonly StageSetup[], input: StageInput, given?: Partial<Record<OptimizerName, number>>): Split {
  if (given) return { shares: stages.map((s) => (given[s.name] ?? 0) / 100), rule: "given" };
  const n = stages.length;
  if (!Number.isFinite(input.calls) || n === 1) return { shares: stages.map(() => 1 / n), rule: n === 1 ? "given" : "equal" };
  const calls = Math.max(1, input.calls);
  const most = stages.map((s) => s.optimizer.plan({ ...input, settings: s.settings }).mostCalls);
  const bounded = most.reduce((a: number, m) => a + (m ?? 0), 0);
  const open = most.filter((m) => m === undefined).length;
  if (open > 0 && bounded < calls) return { shares: most.map((m) => (m !== undefined ? m / calls : (1 - bounded / calls) / open)), rule: "plans" };
  const weights = most.map((m) => m ?? calls);
  const total = weights.reduce((a, w) => a + w, 0);
  return { shares: weights.map((w) => w / total), rule: "plans" };
}

/**
 * The limits stage `k` runs under: the optimizing limits (`limits`) up to its cumulative share of
 * what is left after the baseline's dev evaluation (`baseline`: what the plan counts for it), so a
 * stage that ends early leaves the rest to the next. The last stage runs under `limits` as they are.
 */
export function stageLimits(limits: BudgetLimits, baseline: Required<Need>, split: Split, k: number): BudgetLimits {
  if (k >= split.shares.length - 1) return limits;
  const upTo = split.shares.slice(0, k + 1).reduce((a, s) => a + s, 0);
  const after = (limit: number, before: number) => before + Math.floor(upTo * Math.max(0, limit - before));
  return {
    ...(limits.calls !== undefined ? { calls: after(limits.calls, baseline.calls) } : {}),
    ...(limits.rollouts !== undefined ? { rollouts: after(limits.rollouts, baseline.rollouts) } : {}),
    ...(limits.usd !== undefined ? { usd: upTo * limits.usd } : {}),
    ...(limits.timeMs !== undefined ? { timeMs: upTo * limits.timeMs } : {}),
  };
}

const RULES: Record<Split["rule"], string> = {
  given: "as given (--budget-split, else optimize.budget_split)",
  plans: "by plan (a bounded plan gets what it can use, the others share the rest)",
  equal: "equally (no LM-call limit to plan against)",
};

/**
 * A sequence's plan: the split and its rule, then what each stage's share buys. A stage needs its
 * least step within its share: the least budget is the one that gives every stage that.
 */
export function sequencePlan(stages: readonly StageSetup[], input: StageInput, split: Split): Plan {
  const calls = Number.isFinite(input.calls) ? Math.max(0, input.calls) : Infinity;
  const parts = stages.map((s, k) => {
    const share = split.shares[k]!;
    const mine = Number.isFinite(calls) ? Math.floor(share * calls) : Infinity;
    return { stage: s, share, calls: mine, plan: s.optimizer.plan({ ...input, calls: mine, settings: s.settings }) };
  });
  const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;
  const shares = parts.map((p) => `${p.stage.name} ${pct(p.share)}${Number.isFinite(p.calls) ? ` (≈ ${p.calls} LM calls)` : ""}`).join(", ");
  const order = stages.map((s) => s.name).join(", then ");
  return {
    buys: [`${order}, each from the best state the one before found; budget split ${RULES[split.rule]}: ${shares}; what a stage leaves goes to the next`, ...parts.map((p, k) => `${k + 1}. ${p.stage.name}: ${p.plan.buys}`)].join("\n"),
    minimumCalls: Math.max(...parts.map((p) => (p.share > 0 ? Math.ceil(p.plan.minimumCalls / p.share) : Infinity))),
  };
}
