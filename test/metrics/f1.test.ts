import { describe, expect, it } from "vitest";
import { tokenOverlap, tokens } from "../../src/metrics/f1.js";
import { build, scoreOf } from "./helpers.js";

const ANSWER = { kind: "f1", field: "answer", gold: "answer" } as const;

describe("f1", () => {
  it("tokenizes normalized text", () => {
    expect(tokens("The Cat's  hat, a RED one!")).toEqual(["cat", "s", "hat", "red", "one"]);
    expect(tokens(42)).toEqual(["42"]);
  });

  it("computes precision and recall over words", async () => {
    // pred {cat, sat}, gold {cat, sat, on, mat}: P = 1, R = 1/2, F1 = 2/3.
    const r = await scoreOf(ANSWER, { answer: "cat sat on mat" }, { answer: "The cat sat." });
    expect(r.score).toBeCloseTo(2 / 3, 10);
    expect(r.feedback).toBe("answer: F1 0.67; missing: on, mat");
  });

  it("counts repeated words as a multiset", () => {
    // pred cat×3 vs gold {cat, dog}: common 1, P = 1/3, R = 1/2, F1 = 0.4.
    const a = tokenOverlap(["cat", "cat", "cat"], ["cat", "dog"]);
    expect(a.f1).toBeCloseTo(0.4, 10);
    expect(a.missing).toEqual(["dog"]);
    expect(a.extra).toEqual(["cat", "cat"]);
    // pred cat×2 vs gold {cat, cat, dog}: common 2, P = 1, R = 2/3, F1 = 0.8.
    expect(tokenOverlap(["cat", "cat"], ["cat", "cat", "dog"]).f1).toBeCloseTo(0.8, 10);
  });

  it("takes the best of a gold list", async () => {
    const r = await scoreOf(ANSWER, { answer: ["Paris", "the city of Paris"] }, { answer: "City of Paris" });
    expect(r.score).toBe(1);
    const partial = await scoreOf(ANSWER, { answer: ["Paris", "London"] }, { answer: "paris france" });
    expect(partial.score).toBeCloseTo(2 / 3, 10);
    expect(partial.feedback).toBe("answer: F1 0.67; extra: france");
  });

  it("handles empty answers", async () => {
    expect(tokenOverlap([], []).f1).toBe(1);
    expect(tokenOverlap(["a"], []).f1).toBe(0);
    const r = await scoreOf(ANSWER, { answer: "blue whale" }, { answer: "" });
    expect(r).toEqual({ score: 0, feedback: "answer: got nothing, expected words: blue, whale" });
  });

  it("confirms a perfect answer", async () => {
    const r = await scoreOf(ANSWER, { answer: "Blue whale" }, { answer: "the blue whale." });
    expect(r).toEqual({ score: 1, feedback: "answer: all words match" });
  });

  it("scores 0 without shared words", async () => {
    const r = await scoreOf(ANSWER, { answer: "blue whale" }, { answer: "red fox" });
    expect(r.score).toBe(0);
    expect(r.feedback).toBe("answer: F1 0.00; missing: blue, whale; extra: red, fox");
  });

  it("is named after its field", async () => {
    expect((await build(ANSWER)).name).toBe("f1(answer)");
  });
});
