import { describe, expect, it } from "vitest";
import { addCost, callCost } from "../../src/lm/pricing.js";

describe("the one cost of a call", () => {
  it("is paid now unless cached, and nominally what it cost when first made", () => {
    expect(callCost({ cached: false, costUsd: 0.2 })).toEqual({ spent: 0.2, nominal: 0.2 });
    expect(callCost({ cached: true, costUsd: 0, nominalCostUsd: 0.2 })).toEqual({ spent: 0, nominal: 0.2 });
    // A cache hit recorded before nominal costs were kept counts nothing.
    expect(callCost({ cached: true, costUsd: 0 })).toEqual({ spent: 0, nominal: 0 });
    expect(callCost({ cached: false, costUsd: null })).toEqual({ spent: null, nominal: null });
  });

  it("sums to unknown once one cost is", () => {
    expect(addCost(0.1, 0.2)).toBeCloseTo(0.3);
    expect(addCost(null, 0.2)).toBeNull();
    expect(addCost(0.2, null)).toBeNull();
  });
});
