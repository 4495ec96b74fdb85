import { describe, expect, it } from "vitest";
import { MeteredClient } from "../../src/lm/metered.js";
import type { LMRequest, LMResponse } from "../../src/lm/types.js";
import { Spend } from "../../src/optimize/spend.js";
import { FakeLM } from "../support/fake-lm.js";

const response = (over: Partial<LMResponse> = {}): LMResponse => ({
  text: "ok",
  usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 },
  costUsd: 0.01,
  cached: false,
  latencyMs: 1,
  model: "m",
  ...over,
});

/** A client answering from a script: each call the next response. */
function scripted(responses: LMResponse[]): FakeLM {
  return new FakeLM((_, i) => responses[i]!.text, { id: "openai:m", endpoint: "http://x/v1", response: (_, i) => responses[i]! });
}

describe("the run's spend", () => {
  it("counts every paid call, none answered from the cache, over the run and in this process", async () => {
    const spend = new Spend({ promptTokens: 1000, completionTokens: 50, costUsd: 0.5, steps: 3 });
    const client = new MeteredClient(scripted([response(), response({ cached: true, costUsd: 0 }), response({ costUsd: 0.02 })]), spend.paid);
    for (let i = 0; i < 3; i++) await client.complete({} as LMRequest);
    expect(spend.total.tokens).toEqual({ promptTokens: 1200, completionTokens: 70, cachedTokens: 0 });
    expect(spend.total.costUsd).toBeCloseTo(0.53, 12);
    expect(spend.thisProcess.tokens).toEqual({ promptTokens: 200, completionTokens: 20, cachedTokens: 0 });
    expect(spend.thisProcess.costUsd).toBeCloseTo(0.03, 12);
  });

  it("becomes unknown once a price is, and starts from nothing without recorded totals", () => {
    const spend = new Spend();
    spend.paid(response());
    spend.paid(response({ costUsd: null }));
    spend.paid(response());
    expect(spend.total.costUsd).toBeNull();
    expect(spend.total.tokens.promptTokens).toBe(300);
  });

  it("tells the recorder once per burst of completions, before the turn ends", async () => {
    const spend = new Spend();
    const told: number[] = [];
    spend.record((s) => told.push(s.tokens.promptTokens));
    spend.paid(response());
    spend.paid(response());
    await Promise.resolve();
    spend.paid(response());
    await new Promise((r) => setImmediate(r));
    expect(told).toEqual([200, 300]);
  });

  it("is metered by a client that fingerprints as the one it wraps", () => {
    const inner = scripted([]);
    const metered = new MeteredClient(inner, () => {});
    expect([metered.id, metered.provider, metered.model, metered.endpoint, metered.structuredOutput]).toEqual([inner.id, inner.provider, inner.model, inner.endpoint, inner.structuredOutput]);
  });
});
