import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sequencePlan, splitBudget, stageLimits, type StageSetup, type StageInput } from "../../src/optimize/budget-split.js";
import type { Optimizer, OptimizerName } from "../../src/optimize/types.js";

/** A stage whose plan needs `least` calls for a step and can use at most `most` (undefined: any amount). */
function stage(name: OptimizerName, least: number, most?: number): StageSetup {
  const planOnly = () => Promise.reject(new Error("the budget split only plans"));
  const optimizer: Optimizer = {
    name,
    description: name,
    settings: z.object({}),
    plan: ({ calls }) => ({ buys: `${name} with ${calls} calls`, minimumCalls: least, ...(most !== undefined ? { mostCalls: most } : {}) }),
    init: planOnly,
    step: planOnly,
    best: () => {
      throw new Error("the budget split only plans");
    },
  };
  return { name, optimizer, settings: {} };
}

const input = (calls: number): StageInput => ({ callsPerExample: 1, train: 200, dev: 70, lmSteps: 1, calls });
const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

describe("the budget split of a sequence", () => {
  it("gives a bounded plan what it can use and the unbounded ones the rest, equally", () => {
    const split = splitBudget([stage("bootstrap", 86, 270), stage("gepa", 103), stage("beam", 200)], input(1790));
    expect(split.rule).toBe("plans");
    expect(split.shares[0]).toBeCloseTo(270 / 1790);
    expect(split.shares[1]).toBeCloseTo((1 - 270 / 1790) / 2);
    expect(split.shares[2]).toBeCloseTo((1 - 270 / 1790) / 2);
    expect(sum(split.shares)).toBeCloseTo(1);
  });

  it("shares in proportion to what each can use when the bounded ones would take it all, or all are bounded", () => {
    const over = splitBudget([stage("bootstrap", 86, 900), stage("random_search", 70, 2700), stage("gepa", 103)], input(1000));
    // gepa counts as the whole budget: 900, 2700 and 1000 of 4600.
    expect(over.shares.map((s) => +s.toFixed(4))).toEqual([+(900 / 4600).toFixed(4), +(2700 / 4600).toFixed(4), +(1000 / 4600).toFixed(4)]);
    const bounded = splitBudget([stage("labeled", 70, 70), stage("bootstrap", 86, 210)], input(1790));
    expect(bounded.shares).toEqual([0.25, 0.75]);
  });

  it("is as given when --budget-split or optimize.budget_split gives it, and equal with no LM-call limit to plan against", () => {
    const stages = [stage("bootstrap", 86, 270), stage("gepa", 103)];
    expect(splitBudget(stages, input(1790), { bootstrap: 20, gepa: 80 })).toEqual({ shares: [0.2, 0.8], rule: "given" });
    expect(splitBudget(stages, input(Infinity))).toEqual({ shares: [0.5, 0.5], rule: "equal" });
  });

  it("lets stage k use the budget up to its first k shares of what the baseline leaves; the last stage, all of it", () => {
    const split = { shares: [0.2, 0.3, 0.5], rule: "given" as const };
    const limits = { calls: 1860, rollouts: 1000, usd: 10, timeMs: 600_000 };
    const baseline = { calls: 70, rollouts: 70 };
    expect(stageLimits(limits, baseline, split, 0)).toEqual({ calls: 70 + 358, rollouts: 70 + 186, usd: 2, timeMs: 120_000 });
    expect(stageLimits(limits, baseline, split, 1)).toEqual({ calls: 70 + 895, rollouts: 70 + 465, usd: 5, timeMs: 300_000 });
    expect(stageLimits(limits, baseline, split, 2)).toBe(limits);
    // Limits not given stay unset.
    expect(stageLimits({ timeMs: 60_000 }, baseline, split, 0)).toEqual({ timeMs: 12_000 });
  });

  it("plans each stage on its share and states the rule; the least budget gives every stage its least step", () => {
    const stages = [stage("bootstrap", 86, 270), stage("gepa", 103)];
    const plan = sequencePlan(stages, input(1790), splitBudget(stages, input(1790)));
    const lines = plan.buys.split("\n");
    expect(lines[0]).toBe(
      "bootstrap, then gepa, each from the best state the one before found; budget split by plan (a bounded plan gets what it can use, the others share the rest): bootstrap 15.1% (≈ 270 LM calls), gepa 84.9% (≈ 1520 LM calls); what a stage leaves goes to the next",
    );
    expect(lines.slice(1)).toEqual(["1. bootstrap: bootstrap with 270 calls", "2. gepa: gepa with 1520 calls"]);
    const given = sequencePlan(stages, input(1000), { shares: [0.1, 0.9], rule: "given" });
    expect(given.buys).toContain("budget split as given (--budget-split, else optimize.budget_split): bootstrap 10% (≈ 100 LM calls), gepa 90% (≈ 900 LM calls)");
    // bootstrap's least step (86) in a 10% share needs 860 in all.
    expect(given.minimumCalls).toBe(860);
  });
});
