import { describe, expect, it } from "vitest";
import { estimateTokens, estimateUsage, tokensIn } from "../../src/lm/tokens.js";
import type { LMRequest } from "../../src/lm/types.js";

const request = (contents: string[], maxTokens: number): LMRequest =>
  ({ model: "m", messages: contents.map((content) => ({ role: "user", content })), temperature: 0, maxTokens, sample: 0, meta: {} }) as unknown as LMRequest;

describe("the token estimate", () => {
  it("counts about four characters a token, rounding up", () => {
    expect([0, 1, 4, 5, 8, 9].map(tokensIn)).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it("charges a request its prompt (every message) and a quarter of its max_tokens", () => {
    expect(estimateTokens(request(["a".repeat(10), "b".repeat(6)], 1000))).toBe(4 + 250);
  });

  it("counts the tools offered and the calls of tool-calling turns as prompt", () => {
    const tools = [{ name: "f", description: "d", parameters: { type: "object" } }];
    const plain = request(["a".repeat(8)], 0);
    const calling: LMRequest = {
      ...plain,
      tools,
      messages: [...plain.messages, { role: "assistant", content: "", toolCalls: [{ id: "c", name: "lookup", arguments: "x".repeat(10) }] }, { role: "tool", toolCallId: "c", content: "y".repeat(4) }],
    };
    expect(estimateTokens(calling)).toBe(tokensIn(8 + 6 + 10 + 4 + JSON.stringify(tools).length));
  });

  it("estimates an answer's usage from the prompt and the text, nothing cached", () => {
    expect(estimateUsage(request(["a".repeat(10), "b".repeat(6)], 1000), "x".repeat(9))).toEqual({ promptTokens: 4, completionTokens: 3, cachedTokens: 0 });
  });
});
