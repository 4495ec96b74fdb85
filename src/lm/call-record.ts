import type { LMCallRecord, LMRequest, LMResponse } from "./types.js";

/**
 * What a trace keeps of one answered call: the model, adapter and purpose the request was made
 * with, what the answer cost and took, its text, and — for a native tool-calling request — the
 * tools the model called, and the messages sent (kept by reference: the store hashes them when
 * it records the trace). Every caller that builds a call record (predict, the react module's
 * native calls) makes it here, so a record says the same thing whoever made it.
 */
export function lmCallRecord(request: LMRequest, response: LMResponse, parseError?: string): LMCallRecord {
  const record: LMCallRecord = {
    model: request.model,
    adapter: request.meta.adapter,
    purpose: request.meta.purpose,
    usage: response.usage,
    costUsd: response.costUsd,
    cached: response.cached,
    latencyMs: response.latencyMs,
    text: response.text,
    messages: request.messages,
  };
  if (response.nominalCostUsd !== undefined) record.nominalCostUsd = response.nominalCostUsd;
  if (parseError !== undefined) record.parseError = parseError;
  if (response.toolCalls && response.toolCalls.length > 0) record.toolCalls = response.toolCalls;
  return record;
}
