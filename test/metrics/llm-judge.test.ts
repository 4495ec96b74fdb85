import { describe, expect, it } from "vitest";
import { ParseFailure } from "../../src/adapters/predict.js";
import { judgeScore } from "../../src/metrics/llm-judge.js";
import type { MetricContext } from "../../src/metrics/types.js";
import type { LMConfig, MetricSpec } from "../../src/program/types.js";
import { FakeLM } from "../support/fake-lm.js";
import { build, example, judgeCompletion, judgeLM } from "./helpers.js";

const SPEC: MetricSpec = {
  kind: "llm_judge",
  field: "answer",
  gold: "answer",
  rubric: "The answer is correct and concise.",
  lm: { model: "openai:gpt-4.1" },
};

function contextFor(lm: FakeLM, seen: (LMConfig | undefined)[] = []): MetricContext {
  return {
    lm(config) {
      seen.push(config);
      return lm;
    },
  };
}

describe("llm_judge", () => {
  it("asks the judge LM with the rubric, inputs, output and reference", async () => {
    const lm = judgeLM([judgeCompletion("0.8", "Mostly right, but wordy.")]);
    const seen: (LMConfig | undefined)[] = [];
    const metric = await build(SPEC);
    const r = await metric.score(
      example({ answer: "Paris" }, { question: "Capital of France?" }),
      { answer: "It is Paris, of course." },
      [],
      contextFor(lm, seen),
    );
    expect(r).toMatchObject({ score: 0.8, feedback: "answer: Mostly right, but wordy." });
    // The judge's own call is returned so its tokens and cost count with the example.
    expect(r.calls).toHaveLength(1);
    expect(r.calls![0]).toMatchObject({ purpose: "judge", usage: { promptTokens: 10, completionTokens: 5 } });
    expect(seen).toEqual([{ model: "openai:gpt-4.1" }]);
    expect(lm.requests).toHaveLength(1);
    const request = lm.requests[0]!;
    expect(request.meta.purpose).toBe("judge");
    expect(request.temperature).toBe(0);
    expect(request.maxTokens).toBe(512);
    expect(request.sample).toBe(0);
    expect(request.meta.inputs).toEqual({
      rubric: "The answer is correct and concise.",
      input: '{"question":"Capital of France?"}',
      output: "It is Paris, of course.",
      reference: "Paris",
    });
    expect(request.meta.signature.outputs.map((f) => [f.name, f.type.kind])).toEqual([
      ["score", "number"],
      ["feedback", "string"],
    ]);
    expect(request.messages.map((m) => m.content).join("\n")).toContain("The answer is correct and concise.");
  });

  it("reads the labels it needs and names its field", async () => {
    const metric = await build(SPEC);
    expect(metric.name).toBe("llm_judge(answer)");
    expect(metric.labels).toEqual(["answer"]);
    const noGold = await build({ kind: "llm_judge", field: "summary", rubric: "Short." });
    expect(noGold.labels).toEqual([]);
  });

  it("sends an empty reference when there is no gold", async () => {
    const lm = judgeLM([judgeCompletion("1", "Concise.")]);
    const metric = await build({ kind: "llm_judge", field: "summary", rubric: "Short." });
    const r = await metric.score(example({}, { text: "long text" }), { summary: "short" }, [], contextFor(lm));
    expect(r.score).toBe(1);
    expect(lm.requests[0]!.meta.inputs["reference"]).toBe("");
  });

  it.each([
    ["0.8", 0.8],
    ["1", 1],
    ["0", 0],
    ["8", 0.8],
    ["10", 1],
    ["85", 0.85],
    ["-2", 0],
    ["250", 1],
  ])("maps a judge score of %s to %d", async (said, score) => {
    const lm = judgeLM([judgeCompletion(said, "ok")]);
    const metric = await build(SPEC);
    const r = await metric.score(example({ answer: "x" }), { answer: "x" }, [], contextFor(lm));
    expect(r.score).toBeCloseTo(score, 10);
  });

  it("rejects a non-finite score", () => {
    expect(() => judgeScore("NaN")).toThrow("not a number");
    expect(judgeScore("0.5")).toBe(0.5);
  });

  it("propagates an unreadable answer as a ParseFailure", async () => {
    const lm = judgeLM(["I would rather not say."]);
    const metric = await build(SPEC);
    const err = await metric.score(example({ answer: "x" }), { answer: "y" }, [], contextFor(lm)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseFailure);
  });

  it("propagates LM errors", async () => {
    const failing: MetricContext = {
      lm: () => new FakeLM(() => new Error("connection refused"), { id: "fake:down" }),
    };
    const metric = await build(SPEC);
    await expect(metric.score(example({ answer: "x" }), { answer: "y" }, [], failing)).rejects.toThrow("connection refused");
  });
});
