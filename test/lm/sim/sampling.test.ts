import { describe, expect, it } from "vitest";
import { answerOf } from "./helpers.js";

const SIG = "message -> team: enum(technical, billing)";
// Two demos equally similar to the input, with different labels: a genuinely ambiguous case.
const ambiguous = {
  signature: SIG,
  inputs: { message: "my order is strange" },
  demos: [
    { message: "my order is strange today", team: "technical" },
    { message: "my order is strange lately", team: "billing" },
  ],
};

describe("sim sampling", () => {
  it("is exactly deterministic at temperature 0, whatever the sample", () => {
    const answers = Array.from({ length: 8 }, (_, i) => answerOf("team", { ...ambiguous, temperature: 0, sample: i + 1 }));
    expect(new Set(answers)).toEqual(new Set(["technical"]));
  });

  it("is deterministic for sample 0 even with temperature", () => {
    expect(answerOf("team", { ...ambiguous, temperature: 1, sample: 0 })).toBe("technical");
  });

  it("gives different answers across samples at temperature 1, each reproducible", () => {
    const answers = Array.from({ length: 8 }, (_, i) => answerOf("team", { ...ambiguous, temperature: 1, sample: i + 1 }));
    expect(new Set(answers)).toEqual(new Set(["technical", "billing"]));
    answers.forEach((a, i) => expect(answerOf("team", { ...ambiguous, temperature: 1, sample: i + 1 })).toBe(a));
  });

  it("does not overturn clear evidence", () => {
    const clear = { ...ambiguous, instruction: "- billing: order, strange" };
    for (let s = 1; s <= 8; s++) expect(answerOf("team", { ...clear, temperature: 1, sample: s })).toBe("billing");
  });

  it("still answers the first option with no evidence at all", () => {
    for (let s = 1; s <= 8; s++) expect(answerOf("team", { signature: SIG, inputs: { message: "hmm" }, temperature: 1, sample: s })).toBe("technical");
  });
});
