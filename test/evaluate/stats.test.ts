import { describe, expect, it } from "vitest";
import { mean, meanWithCI, sampleStdDev, tQuantile975 } from "../../src/evaluate/stats.js";

describe("statistics", () => {
  it("uses Student's t quantiles for small samples and 1.96 for large ones", () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(9)).toBe(2.262);
    expect(tQuantile975(50)).toBeGreaterThan(2.0);
    expect(tQuantile975(50)).toBeLessThan(2.021);
    expect(tQuantile975(1000)).toBe(1.96);
  });

  it("computes a hand-checked 95% interval", () => {
    // scores 0,1,1,1 → mean 0.75, sd 0.5, se 0.25, t(3)=3.182 → half-width 0.7955
    const r = meanWithCI([0, 1, 1, 1], [-Infinity, Infinity]);
    expect(r.mean).toBe(0.75);
    expect(r.ci95[0]).toBeCloseTo(0.75 - 0.7955, 4);
    expect(r.ci95[1]).toBeCloseTo(0.75 + 0.7955, 4);
  });

  it("clips the interval to the score range", () => {
    const r = meanWithCI([0, 1, 1, 1]);
    expect(r.ci95).toEqual([0, 1]);
  });

  it("handles degenerate samples", () => {
    expect(meanWithCI([0.5]).ci95).toEqual([0.5, 0.5]);
    expect(Number.isNaN(meanWithCI([]).mean)).toBe(true);
    expect(meanWithCI([1, 1, 1]).ci95).toEqual([1, 1]);
    expect(mean([1, 2, 3])).toBe(2);
    expect(sampleStdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
  });
});
