import type { ChatMessage, LMRequest } from "../../src/lm/types.js";

/** The meta of a plain predict call with an empty signature (providers and the cache ignore it). */
export const PREDICT_META: LMRequest["meta"] = { purpose: "predict", adapter: "chat", signature: { inputs: [], outputs: [] }, instruction: "", demos: [], inputs: {} };

/** A request of `messages` at temperature 0, sample 0, with what `fields` sets over that. */
export function lmRequest(messages: ChatMessage[], fields: Partial<LMRequest> = {}): LMRequest {
  return { model: "x", messages, temperature: 0, maxTokens: 64, sample: 0, meta: PREDICT_META, ...fields };
}
