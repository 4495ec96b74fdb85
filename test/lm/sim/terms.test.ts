import { describe, expect, it } from "vitest";
import { stem, Terms } from "../../../src/lm/sim/terms.js";
import { idfTable, similarities } from "../../../src/lm/sim/similarity.js";

describe("sim text helpers", () => {
  it("stems plurals, -ed and -ing to one form", () => {
    expect(new Set(["refund", "refunds", "refunded", "refunding"].map(stem))).toEqual(new Set(["refund"]));
    expect(new Set(["charge", "charged", "charges", "charging"].map(stem)).size).toBe(1);
    expect(new Set(["ship", "ships", "shipped", "shipping"].map(stem)).size).toBe(1);
    expect(stem("policies")).toBe(stem("policy"));
    expect(stem("Eiffel's")).toBe("eiffel");
    expect(stem("status")).toBe("status");
    expect(stem("bill")).toBe(stem("billing"));
  });

  it("matches phrases only as consecutive content words", () => {
    const t = Terms.of("I was charged twice for it");
    expect(t.has(Terms.of("charged twice").list)).toBe(true);
    expect(t.has(Terms.of("twice charged").list)).toBe(false);
    expect(t.has([])).toBe(false);
  });

  it("weights rare words higher and scores identical texts 1", () => {
    const idf = idfTable([["a", "b"], ["a", "c"]]);
    expect(idf("b")).toBeGreaterThan(idf("a"));
    const [same, other, none] = similarities(["x", "y"], [["x", "y"], ["x", "z"], ["q"]]);
    expect(same).toBeCloseTo(1, 9);
    expect(other).toBeGreaterThan(0);
    expect(other).toBeLessThan(same!);
    expect(none).toBe(0);
  });
});
