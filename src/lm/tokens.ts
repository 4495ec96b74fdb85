import type { LMRequest, Usage } from "./types.js";

/**
 * dspx's one token estimate, about four characters a token: what the token bucket charges before a
 * request is sent, and the usage of an answer whose server reports none (sim, some compatible servers).
 */
export function tokensIn(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Characters of every message of a request. */
function promptChars(request: LMRequest): number {
  return request.messages.reduce((n, m) => n + m.content.length, 0);
}

/** What the token bucket charges a request up front: its prompt and a quarter of its max_tokens. */
export function estimateTokens(request: LMRequest): number {
  return tokensIn(promptChars(request)) + tokensIn(request.maxTokens);
}

/** The usage of a completion, estimated from the lengths of the prompt and the text. */
export function estimateUsage(request: LMRequest, text: string): Usage {
  return { promptTokens: tokensIn(promptChars(request)), completionTokens: tokensIn(text.length), cachedTokens: 0 };
}
