import type { FeedbackRecord, LMCallMeta, LMRequest, Purpose } from "../../../src/lm/types.js";
import type { Demo } from "../../../src/program/types.js";
import { parseSignature } from "../../../src/signature/parse.js";
import type { Signature } from "../../../src/signature/types.js";
import { simAnswer } from "../../../src/lm/sim/answer.js";

export interface CallSpec {
  signature: string | Signature;
  instruction?: string;
  demos?: Demo[];
  inputs?: Record<string, unknown>;
  purpose?: Purpose;
  adapter?: "chat" | "json";
  temperature?: number;
  sample?: number;
  target?: { signature: string; instruction: string; records: FeedbackRecord[] };
}

export function request(spec: CallSpec): LMRequest {
  const signature = typeof spec.signature === "string" ? parseSignature(spec.signature) : spec.signature;
  const meta: LMCallMeta = {
    purpose: spec.purpose ?? "predict",
    step: "step",
    adapter: spec.adapter ?? "chat",
    signature,
    instruction: spec.instruction ?? "",
    demos: spec.demos ?? [],
    inputs: spec.inputs ?? {},
  };
  if (spec.target) {
    meta.target = {
      step: "step",
      signature: parseSignature(spec.target.signature),
      instruction: spec.target.instruction,
      records: spec.target.records,
    };
  }
  return {
    model: "sim",
    messages: [{ role: "user", content: "x".repeat(10) }],
    temperature: spec.temperature ?? 0,
    maxTokens: 512,
    sample: spec.sample ?? 0,
    meta,
  };
}

/** sim's answer values for a call. */
export function answer(spec: CallSpec): Record<string, unknown> {
  return simAnswer(request(spec));
}

/** The value sim gives one output field. */
export function answerOf(field: string, spec: CallSpec): unknown {
  return answer(spec)[field];
}
