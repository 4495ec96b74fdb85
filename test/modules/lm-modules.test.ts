import { describe, expect, it } from "vitest";
import { ParseFailure } from "../../src/adapters/predict.js";
import { chainOfThoughtModule } from "../../src/modules/chain-of-thought.js";
import { predictModule } from "../../src/modules/predict.js";
import { MODULES } from "../../src/modules/registry.js";
import type { ModuleRunArgs, StepRuntime } from "../../src/modules/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import { FakeLM } from "../support/fake-lm.js";

const SIG = parseSignature("question -> answer: integer, sure: bool");

function args(lm: FakeLM | undefined, extra: Partial<ModuleRunArgs<undefined>> = {}): ModuleRunArgs<undefined> {
  const runtime: StepRuntime | undefined = lm && { lm, temperature: 0.3, maxTokens: 200, sample: 1 };
  return {
    step: "solve",
    signature: SIG,
    prepared: undefined,
    state: { instruction: "Add the numbers.", demos: [{ question: "1+1", answer: 2, sure: true }] },
    inputs: { question: "2+3" },
    ...(runtime ? { runtime } : {}),
    ...extra,
  };
}

describe("the module registry", () => {
  it("names predict, chain_of_thought, retrieve, function and react", () => {
    expect([...MODULES.keys()]).toEqual(["predict", "chain_of_thought", "retrieve", "function", "react"]);
    expect([...MODULES.values()].map((m) => m.usesLM)).toEqual([true, true, false, false, true]);
  });
});

describe("predict", () => {
  it("asks the LM for the signature's outputs and coerces them", async () => {
    const lm = new FakeLM(() => ({ answer: "5.", sure: "Yes" }));
    const out = await predictModule.run(args(lm));
    expect(out.outputs).toEqual({ answer: 5, sure: true });
    expect(out.calls.map((c) => [c.adapter, c.purpose, c.model])).toEqual([["chat", "predict", "fake:model"]]);
    const request = lm.requests[0]!;
    expect(request.meta).toMatchObject({
      purpose: "predict",
      step: "solve",
      adapter: "chat",
      instruction: "Add the numbers.",
      demos: [{ question: "1+1", answer: 2, sure: true }],
      inputs: { question: "2+3" },
    });
    expect(request.meta.signature).toBe(SIG);
    expect([request.temperature, request.maxTokens, request.sample]).toEqual([0.3, 200, 1]);
  });

  it("fails clearly without an LM", async () => {
    await expect(predictModule.run(args(undefined))).rejects.toThrow("step solve: an LM module ran without an LM");
  });

  it("keeps its outputs as the signature's", () => {
    expect(predictModule.outputs(SIG)).toBe(SIG.outputs);
    expect(predictModule.checkSignature(SIG)).toEqual([]);
  });
});

describe("chain_of_thought", () => {
  it("asks for `reasoning` before the outputs and returns it with them", async () => {
    const lm = new FakeLM(() => ({ reasoning: "Two plus three is five.", answer: "5", sure: "true" }));
    const out = await chainOfThoughtModule.run(args(lm));
    expect(out.outputs).toEqual({ reasoning: "Two plus three is five.", answer: 5, sure: true });
    expect(lm.requests[0]!.meta.signature.outputs.map((f) => f.name)).toEqual(["reasoning", "answer", "sure"]);
    expect(lm.requests[0]!.messages.at(-1)!.content).toContain("starting with the field `[[ ## reasoning ## ]]`");
  });

  it("lists `reasoning` first among its outputs and refuses a signature that has its own", () => {
    expect(chainOfThoughtModule.outputs(SIG).map((f) => f.name)).toEqual(["reasoning", "answer", "sure"]);
    expect(chainOfThoughtModule.checkSignature(parseSignature("q -> reasoning, a"))).toEqual([
      "chain_of_thought adds its own `reasoning` output; rename yours",
    ]);
  });

  it("fails with the raw completion when the answer cannot be read, after one json retry", async () => {
    const lm = new FakeLM((r) => (r.meta.adapter === "chat" ? "five, I think" : "{ not json"));
    const err = await chainOfThoughtModule.run(args(lm)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParseFailure);
    expect((err as ParseFailure).raw).toBe("{ not json");
    expect(lm.requests.map((r) => r.meta.adapter)).toEqual(["chat", "json"]);
  });
});
