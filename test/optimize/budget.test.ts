import { describe, expect, it } from "vitest";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import { Budget, BudgetExhausted } from "../../src/optimize/budget.js";

function result(over: Partial<ExampleResult> = {}): ExampleResult {
  return { exampleId: "e", index: 0, score: 1, trace: [], usage: ZERO_USAGE, costUsd: 0.5, calls: 2, cachedCalls: 0, latencyMs: 0, nominal: { calls: 2, costUsd: 0.5 }, ...over };
}

describe("Budget: the one check before work is dispatched", () => {
  it("refuses work a limit is already at, and work that would go past the call or rollout limit", () => {
    const budget = new Budget({ calls: 10, rollouts: 4 }, undefined, () => 0);
    expect(budget.exhausted()).toBeUndefined();
    expect(budget.exhausted({ calls: 10, rollouts: 4 })).toBeUndefined();
    expect(budget.exhausted({ calls: 11 })).toBe("LM calls");
    expect(budget.exhausted({ rollouts: 5 })).toBe("rollouts");
    budget.chargeResult(result({ nominal: { calls: 10, costUsd: 0 } }));
    expect(budget.exhausted()).toBe("LM calls");
    expect(() => budget.ensure()).toThrow(BudgetExhausted);
    expect(() => budget.ensure()).toThrow("the LM calls budget is used up");
  });

  it("plans with fits: only the foreseeable units (USD and time end a run through ensure)", () => {
    let now = 0;
    const budget = new Budget({ calls: 5, usd: 1, timeMs: 100 }, undefined, () => now);
    expect(budget.fits({ calls: 5 })).toBe(true);
    expect(budget.fits({ calls: 6 })).toBe(false);
    now = 100;
    expect(budget.fits({ calls: 1 })).toBe(true);
    expect(budget.exhausted({ calls: 1 })).toBe("time");
  });

  it("counts results at their nominal value for optimizations, at what they cost now for eval --max-usd", () => {
    // A result answered from the LM cache: nothing paid now, 0.5 when it was first made.
    const cached = result({ costUsd: 0, cachedCalls: 2, nominal: { calls: 2, costUsd: 0.5 } });
    const nominal = new Budget({ usd: 1 });
    const spent = new Budget({ usd: 1 }, undefined, undefined, "spent");
    for (const b of [nominal, spent]) {
      b.chargeResult(cached);
      b.chargeResult(cached);
    }
    expect(nominal.exhausted()).toBe("USD");
    expect(nominal.used.calls).toBe(4);
    expect(spent.exhausted()).toBeUndefined();
    expect(spent.used).toMatchObject({ calls: 0, usd: 0, rollouts: 2 });
    spent.chargeResult(result({ costUsd: 1 }));
    expect(spent.exhausted()).toBe("USD");
  });

  it("says the cost is unknown once a result's price was", () => {
    const budget = new Budget({}, undefined, undefined, "spent");
    budget.chargeResult(result({ costUsd: 0.25 }));
    expect(budget.costUsd()).toBe(0.25);
    budget.chargeResult(result({ costUsd: null }));
    expect(budget.costUsd()).toBeNull();
  });
});
