import type { LMCallRecord, LMClient, LMRequest, LMResponse } from "../../src/lm/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import type { Signature } from "../../src/signature/types.js";

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

export interface FakeLM extends LMClient {
  requests: LMRequest[];
}

/** An LM that answers with scripted texts in order (a function may throw) and keeps every request. */
export function fakeLM(script: (string | (() => never))[], options: { structuredOutput?: boolean } = {}): FakeLM {
  const requests: LMRequest[] = [];
  let next = 0;
  return {
    id: "fake:model-1",
    provider: "fake",
    model: "model-1",
    structuredOutput: options.structuredOutput ?? false,
    requests,
    async complete(request: LMRequest): Promise<LMResponse> {
      requests.push(request);
      const step = script[next++];
      if (step === undefined) throw new Error("fake LM: script exhausted");
      if (typeof step === "function") step();
      return {
        text: step as string,
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 },
        costUsd: 0.001,
        cached: false,
        latencyMs: 7,
        model: "model-1-2025",
      };
    },
  };
}

export function texts(calls: LMCallRecord[]): string[] {
  return calls.map((c) => c.text);
}
