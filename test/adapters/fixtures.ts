import type { LMCallRecord } from "../../src/lm/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import type { Signature } from "../../src/signature/types.js";
import { FakeLM, inTurn, type FakeAnswer } from "../support/fake-lm.js";

/** A classification signature with enum outputs and a described input. */
export function triageSignature(): Signature {
  const sig = parseSignature("message -> team: enum(billing, technical, account), urgency: enum(low, normal, high)");
  sig.inputs[0]!.desc = "The customer's message";
  return sig;
}

export const triageDemos = [
  { message: "I was charged twice this month", team: "billing", urgency: "high" },
  { message: "The app crashes when I log in", team: "technical", urgency: "normal" },
];

/** What chain_of_thought hands to predict: `reasoning` prepended to the outputs. */
export function cotSignature(): Signature {
  const sig = parseSignature("question -> answer: integer");
  sig.outputs.unshift({
    name: "reasoning",
    type: { kind: "string" },
    desc: "Think step by step before answering",
    typed: true,
  });
  return sig;
}

export function mixedSignature(): Signature {
  return parseSignature(
    "question, context: list[string] -> tags: list[string], score: number, count: integer, ok: boolean, data: json",
  );
}

/** An LM that answers with scripted answers in order (an Error is thrown), then fails: the test expected no more calls. */
export function fakeLM(script: FakeAnswer[], options: { structuredOutput?: boolean } = {}): FakeLM {
  return new FakeLM(inTurn(script, { then: "fail" }), {
    id: "fake:model-1",
    structuredOutput: options.structuredOutput ?? false,
    response: { usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 }, costUsd: 0.001, latencyMs: 7, model: "model-1-2025" },
  });
}

export function texts(calls: LMCallRecord[]): string[] {
  return calls.map((c) => c.text ?? "");
}
