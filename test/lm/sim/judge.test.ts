import { describe, expect, it } from "vitest";
import { tokenF1 } from "../../../src/lm/sim/judge.js";
import { answer } from "./helpers.js";

const SIG = "rubric, output, reference, input -> score: number, feedback";
const judge = (inputs: Record<string, unknown>) => answer({ purpose: "judge", signature: SIG, inputs });

describe("sim as judge", () => {
  it("scores token F1 against a non-empty reference", () => {
    expect(judge({ rubric: "Correct year", output: "1889", reference: "1889" })).toEqual({
      score: 1,
      feedback: "The output matches the reference.",
    });
    // precision 1/3, recall 1 → F1 0.5
    expect(judge({ rubric: "x", output: "It was 1889", reference: "1889" }).score).toBe(0.5);
    const partial = judge({ rubric: "x", output: "Gustave", reference: "Gustave Eiffel" });
    expect(partial.score).toBe(0.667);
    expect(partial.feedback).toBe("Missing from the output: eiffel.");
    expect(judge({ rubric: "x", output: "Paris", reference: "Rome" }).score).toBe(0);
  });

  it("without a reference, scores the share of rubric words the output mentions", () => {
    const out = judge({ rubric: "Apologise and offer a refund", output: "We will refund you.", reference: "" });
    expect(out.score).toBe(0.333);
    expect(out.feedback).toBe("The output does not mention: apologise, offer.");
    expect(judge({ rubric: "Offer a refund", output: "We offered refunds" })).toEqual({ score: 1, feedback: "The output covers the rubric." });
  });

  it("computes SQuAD-style F1 on normalised tokens", () => {
    expect(tokenF1("The Eiffel Tower!", "eiffel tower")).toBe(1);
    expect(tokenF1("", "")).toBe(1);
    expect(tokenF1("a b", "")).toBe(0);
  });

  it("answers in the judge signature's order, with a json adapter too", () => {
    const out = answer({ purpose: "judge", adapter: "json", signature: "output, reference -> feedback, score: number", inputs: { output: "x y", reference: "x y" } });
    expect(Object.keys(out)).toEqual(["feedback", "score"]);
  });
});
