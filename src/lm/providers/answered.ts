import type { RateLimitInfo } from "../call-error.js";
import { costOf, type Prices } from "../pricing.js";
import type { AttemptResult } from "../scheduler/types.js";
import type { ToolCall } from "../tool-types.js";
import type { LMResponse, Usage } from "../types.js";
import { rateLimitOf } from "./headers.js";

/** What a provider's answer is made into: the response (tool calls only when the model made some), the tokens it really used, the rate-limit headers. */
export function answered(
  a: { text: string; toolCalls: ToolCall[]; usage: Usage; prices: Prices | undefined; latencyMs: number; model: string },
  rateLimit: RateLimitInfo | undefined,
): AttemptResult<LMResponse> {
  const value: LMResponse = { text: a.text, usage: a.usage, costUsd: costOf(a.usage, a.prices), cached: false, latencyMs: a.latencyMs, model: a.model };
  if (a.toolCalls.length > 0) value.toolCalls = a.toolCalls;
  return { value, tokens: a.usage.promptTokens + a.usage.completionTokens, ...rateLimitOf(rateLimit) };
}
