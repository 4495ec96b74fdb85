import { describe, expect, it } from "vitest";
import { costOf, listedPrices } from "../../src/lm/pricing.js";
import { parseDurationMs, retryAfterMs, anthropicRateLimit, openaiRateLimit } from "../../src/lm/providers/headers.js";

describe("prices", () => {
  it("finds listed models, also under dated names, and nothing else", () => {
    expect(listedPrices("openai", "gpt-4.1-mini")).toEqual({ input: 0.4, cachedInput: 0.1, output: 1.6 });
    expect(listedPrices("openai", "gpt-4.1-mini-2025-04-14")).toEqual(listedPrices("openai", "gpt-4.1-mini"));
    expect(listedPrices("openai", "gpt-5-mini")?.input).toBe(0.25);
    expect(listedPrices("anthropic", "claude-sonnet-4-5-20250929")?.output).toBe(15);
    expect(listedPrices("openai", "gpt-4.1-turbo")).toBeUndefined();
    expect(listedPrices("openai", "gpt-5-codex")).toBeUndefined();
    expect(listedPrices("ollama", "llama3.1")).toBeUndefined();
  });

  it("charges cached input at its own rate, and is unknown without prices", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 500_000, cachedTokens: 250_000 };
    expect(costOf(usage, { input: 2, cachedInput: 0.5, output: 8 })).toBeCloseTo(1.5 + 0.125 + 4, 10);
    expect(costOf(usage, { input: 2, output: 8 })).toBeCloseTo(2 + 4, 10);
    expect(costOf(usage, undefined)).toBeNull();
  });
});

describe("rate-limit headers", () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  it("reads OpenAI's durations and limits", () => {
    expect(parseDurationMs("120ms")).toBe(120);
    expect(parseDurationMs("1m30s")).toBe(90_000);
    expect(parseDurationMs("1.5s")).toBe(1500);
    expect(parseDurationMs("6m0s")).toBe(360_000);
    expect(parseDurationMs("garbage")).toBeUndefined();
    expect(
      openaiRateLimit(headers({ "x-ratelimit-limit-requests": "600", "x-ratelimit-remaining-requests": "12", "x-ratelimit-reset-requests": "1.2s", "x-ratelimit-limit-tokens": "90000" })),
    ).toEqual({ limitRequests: 600, remainingRequests: 12, resetRequestsMs: 1200, limitTokens: 90_000 });
    expect(openaiRateLimit(headers({}))).toBeUndefined();
  });

  it("reads Anthropic's RFC 3339 resets and retry-after in its forms", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(anthropicRateLimit(headers({ "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:30Z" }), now)).toEqual({
      limitRequests: 50,
      resetRequestsMs: 30_000,
    });
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
  });
});
