import type { LMRequest, Usage } from "./types.js";

/**
 * dspx's one token estimate, about four characters a token: what the token bucket charges before a
 * request is sent, and the usage of an answer whose server reports none (sim, some compatible servers).
 */
export function tokensIn(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Characters of every message of a request, the calls of tool-calling turns and the tools offered included. */
function promptChars(request: LMRequest): number {
  let n = 0;
  for (const m of request.messages) {
    n += m.content.length;
    if (m.toolCalls) for (const c of m.toolCalls) n += c.name.length + c.arguments.length;
  }
  return request.tools ? n + toolsChars(request.tools) : n;
}

const toolLists = new WeakMap<object, number>();

/** The length of the tools' JSON, memoized: a step offers one list to all its requests. */
function toolsChars(tools: NonNullable<LMRequest["tools"]>): number {
  let n = toolLists.get(tools);
  if (n === undefined) {
    n = JSON.stringify(tools).length;
    toolLists.set(tools, n);
  }
  return n;
}

/** What the token bucket charges a request up front: its prompt and a quarter of its max_tokens. */
export function estimateTokens(request: LMRequest): number {
  return tokensIn(promptChars(request)) + tokensIn(request.maxTokens);
}

/** The usage of a completion, estimated from the lengths of the prompt and the text. */
export function estimateUsage(request: LMRequest, text: string): Usage {
  return { promptTokens: tokensIn(promptChars(request)), completionTokens: tokensIn(text.length), cachedTokens: 0 };
}
