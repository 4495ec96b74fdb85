import { describe, expect, it } from "vitest";
import { ParseFailure, predict, type PredictCall } from "../../src/adapters/predict.js";
import type { LMClient } from "../../src/lm/types.js";
import { ProviderError } from "../../src/util/errors.js";
import { fakeLM, texts, triageDemos, triageSignature } from "./fixtures.js";

function call(lm: LMClient, extra: Partial<PredictCall> = {}): PredictCall {
  return {
    lm,
    signature: triageSignature(),
    instruction: "Route the message.",
    demos: triageDemos,
    inputs: { message: "Where is my refund?" },
    purpose: "predict",
    step: "route",
    temperature: 0.7,
    maxTokens: 512,
    sample: 3,
    ...extra,
  };
}

const GOOD_CHAT = "[[ ## team ## ]]\nbilling\n\n[[ ## urgency ## ]]\nnormal\n\n[[ ## completed ## ]]";
const GARBAGE = "I'd route this to billing, probably.";

describe("predict", () => {
  it("answers from the chat adapter in one call", async () => {
    const lm = fakeLM([GOOD_CHAT]);
    const result = await predict(call(lm));
    expect(result.values).toEqual({ team: "billing", urgency: "normal" });
    expect(result.calls).toEqual([
      {
        model: "fake:model-1",
        adapter: "chat",
        purpose: "predict",
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 },
        costUsd: 0.001,
        cached: false,
        latencyMs: 7,
        text: GOOD_CHAT,
        // The very messages sent (for the trace; the store keeps them once per hash).
        messages: lm.requests[0]!.messages,
      },
    ]);
    expect(result.calls[0]!.messages).toBe(lm.requests[0]!.messages);
    const [request] = lm.requests;
    expect(request).toMatchObject({ model: "fake:model-1", temperature: 0.7, maxTokens: 512, sample: 3 });
    expect(request!.responseFormat).toBeUndefined();
    expect(request!.messages).toHaveLength(6);
    expect(request!.meta).toEqual({
      purpose: "predict",
      step: "route",
      adapter: "chat",
      signature: triageSignature(),
      instruction: "Route the message.",
      demos: triageDemos,
      inputs: { message: "Where is my refund?" },
    });
  });

  it("falls back to the json adapter once after a garbage chat completion", async () => {
    const lm = fakeLM([GARBAGE, 'Sure! {"team": "billing", "urgency": "high"}'], { structuredOutput: true });
    const result = await predict(call(lm));
    expect(result.values).toEqual({ team: "billing", urgency: "high" });
    expect(result.calls.map((c) => [c.adapter, c.parseError])).toEqual([
      ["chat", "missing fields `team`, `urgency`"],
      ["json", undefined],
    ]);
    const [, second] = lm.requests;
    expect(second!.meta.adapter).toBe("json");
    expect(second!.sample).toBe(3);
    expect(second!.responseFormat?.type).toBe("json_schema");
    expect(second!.messages.at(-1)!.content).toContain('Respond with a JSON object with exactly the keys "team", "urgency".');
  });

  it("asks for JSON by prompt only when the client has no structured output", async () => {
    const lm = fakeLM([GARBAGE, '{"team": "account", "urgency": "low"}']);
    await predict(call(lm));
    expect(lm.requests[1]!.responseFormat).toBeUndefined();
  });

  it("throws ParseFailure with the last raw completion and both call records", async () => {
    const lm = fakeLM([GARBAGE, '{"team": "sales", "urgency": "low"}']);
    const error = await predict(call(lm)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParseFailure);
    const failure = error as ParseFailure;
    expect(failure.raw).toBe('{"team": "sales", "urgency": "low"}');
    expect(texts(failure.calls)).toEqual([GARBAGE, '{"team": "sales", "urgency": "low"}']);
    expect(failure.calls.map((c) => c.parseError)).toEqual([
      "missing fields `team`, `urgency`",
      'field `team`: expected one of: billing, technical, account, got "sales"',
    ]);
    expect(failure.message).toContain("missing fields `team`, `urgency`");
    expect(failure.message).toContain('got "sales"');
    expect(lm.requests).toHaveLength(2);
  });

  it("lets errors from the LM propagate unchanged", async () => {
    const fatal = new ProviderError("fake", "auth", "invalid API key");
    const lm = fakeLM([fatal]);
    await expect(predict(call(lm))).rejects.toBe(fatal);
  });

  it("passes target and purpose through for proposal calls", async () => {
    const target = { step: "route", signature: triageSignature(), instruction: "old", records: [] };
    const lm = fakeLM([GOOD_CHAT]);
    const { calls } = await predict(call(lm, { purpose: "propose_instruction", step: undefined, target }));
    expect(calls[0]!.purpose).toBe("propose_instruction");
    expect(lm.requests[0]!.meta.target).toEqual(target);
    expect("step" in lm.requests[0]!.meta).toBe(false);
  });

  it("does not retry once the call is aborted", async () => {
    const controller = new AbortController();
    const lm = fakeLM([GARBAGE, GOOD_CHAT]);
    const wrapped: LMClient = {
      ...lm,
      complete: async (request, options) => {
        const response = await lm.complete(request, options);
        controller.abort(new Error("stop"));
        return response;
      },
    };
    await expect(predict(call(wrapped, { signal: controller.signal }))).rejects.toThrow("stop");
    expect(lm.requests).toHaveLength(1);
  });
});
