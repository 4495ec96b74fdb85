import { getEventListeners } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LMCallError } from "../../../src/lm/call-error.js";
import { AnthropicProvider } from "../../../src/lm/providers/anthropic.js";
import { OpenAIProvider } from "../../../src/lm/providers/openai.js";
import { classifyHttpFailure, unreachable } from "../../../src/lm/providers/classify.js";
import { createServer } from "node:net";
import type { ProviderClient } from "../../../src/lm/providers/types.js";
import type { LMRequest } from "../../../src/lm/types.js";
import { startMockProvider, type MockProvider, type MockReply } from "../../support/mock-provider.js";

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider({ rateLimit: { rpm: 6000, burstSeconds: 60, headers: true } });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const request: LMRequest = {
  model: "x",
  messages: [
    { role: "system", content: "You answer." },
    { role: "user", content: "Hello there" },
  ],
  temperature: 0,
  maxTokens: 64,
  sample: 0,
  meta: { purpose: "predict", adapter: "chat", signature: { inputs: [], outputs: [] }, instruction: "", demos: [], inputs: {} },
};

const openai = () =>
  new OpenAIProvider({ provider: "openai", model: "gpt-4.1-mini", apiKey: "sk-test", baseURL: mock.openaiBaseUrl, official: true, structuredOutput: true, prices: { input: 0.4, cachedInput: 0.1, output: 1.6 } });
const anthropic = () => new AnthropicProvider({ model: "claude-haiku-4-5", apiKey: "sk-ant-test", baseURL: mock.anthropicBaseUrl, prices: { input: 1, cachedInput: 0.1, output: 5 } });

async function failure(provider: ProviderClient, reply: MockReply): Promise<LMCallError> {
  mock.setResponder(() => reply);
  const err = await provider.attempt(request, { signal: undefined, timeoutMs: 60_000 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LMCallError);
  return err as LMCallError;
}

describe.each([
  ["openai", openai],
  ["anthropic", anthropic],
] as const)("%s provider", (name, make) => {
  it("returns the completion with usage, cost and rate-limit headers", async () => {
    mock.setResponder(() => ({ kind: "text", text: "Hi!", usage: { prompt: 1000, completion: 100, cached: 400 } }));
    const r = await make().attempt(request, { signal: undefined, timeoutMs: 60_000 });
    expect(r.value.text).toBe("Hi!");
    expect(r.value.usage).toEqual({ promptTokens: 1000, completionTokens: 100, cachedTokens: 400 });
    const expected = name === "openai" ? (600 * 0.4 + 400 * 0.1 + 100 * 1.6) / 1e6 : (600 * 1 + 400 * 0.1 + 100 * 5) / 1e6;
    expect(r.value.costUsd).toBeCloseTo(expected, 12);
    expect(r.tokens).toBe(1100);
    expect(r.rateLimit?.limitRequests).toBe(6000);
    expect(r.rateLimit?.remainingRequests).toBeGreaterThan(0);
    expect(r.rateLimit?.resetRequestsMs).toBeGreaterThanOrEqual(0);
  });

  it("sends the model, messages, temperature and the key", async () => {
    await make().attempt({ ...request, temperature: 0.7 }, { signal: undefined, timeoutMs: 60_000 });
    const sent = mock.requests[0]!;
    expect(sent.body.model).toBe(name === "openai" ? "gpt-4.1-mini" : "claude-haiku-4-5");
    expect(sent.body.temperature).toBe(0.7);
    if (name === "openai") {
      expect(sent.headers.authorization).toBe("Bearer sk-test");
      expect(sent.body.max_completion_tokens).toBe(64);
      expect(sent.messages.map((m) => m.role)).toEqual(["system", "user"]);
    } else {
      expect(sent.headers["x-api-key"]).toBe("sk-ant-test");
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
      expect(sent.body.system).toBe("You answer.");
      expect(sent.body.max_tokens).toBe(64);
      expect(sent.messages.map((m) => m.role)).toEqual(["user"]);
    }
    expect(sent.headers["x-stainless-retry-count"]).toBe("0");
  });

  it("requests structured output and returns its JSON", async () => {
    const schema = { type: "object", properties: { team: { type: "string", enum: ["billing", "other"] } }, required: ["team"], additionalProperties: false };
    const r = await make().attempt({ ...request, responseFormat: { type: "json_schema", name: "dspx_outputs", schema } }, { signal: undefined, timeoutMs: 60_000 });
    expect(JSON.parse(r.value.text)).toEqual({ team: expect.stringMatching(/^(billing|other)$/) });
    const body = mock.requests[0]!.body;
    if (name === "openai") expect(body.response_format).toEqual({ type: "json_schema", json_schema: { name: "dspx_outputs", schema, strict: true } });
    else expect(body.tool_choice).toEqual({ type: "tool", name: "dspx_outputs" });
  });

  it("classifies a 429 as rate_limit with the retry-after time", async () => {
    const err = await failure(make(), { kind: "error", status: 429, headers: { "retry-after-ms": "1500", "retry-after": "2" } });
    expect(err.kind).toBe("rate_limit");
    expect(err.rateLimit?.retryAfterMs).toBe(1500);
  });

  it("classifies auth, quota and unknown-model failures as fatal", async () => {
    expect(await failure(make(), { kind: "error", status: 401 })).toMatchObject({ kind: "fatal", fatalCause: "auth" });
    expect(await failure(make(), { kind: "error", status: 403 })).toMatchObject({ kind: "fatal", fatalCause: "auth" });
    expect(await failure(make(), { kind: "error", status: name === "openai" ? 429 : 400, code: "insufficient_quota" })).toMatchObject({ kind: "fatal", fatalCause: "quota" });
    expect(await failure(make(), { kind: "error", status: 404 })).toMatchObject({ kind: "fatal", fatalCause: "unknown_model" });
    expect(await failure(make(), { kind: "error", status: 400, message: "temperature is not supported" })).toMatchObject({ kind: "fatal", fatalCause: "invalid_request" });
  });

  it("classifies an over-long prompt as rejected (that example fails, the run goes on)", async () => {
    const message = name === "openai" ? "This model's maximum context length is 128000 tokens." : "prompt is too long: 210000 tokens > 200000 maximum";
    expect((await failure(make(), { kind: "error", status: 400, message })).kind).toBe("rejected");
  });

  it("classifies a 429 that no wait cures as rejected, and quota 429s as fatal, not as rate limits", async () => {
    const type = name === "openai" ? undefined : "rate_limit_error";
    const extra = await failure(make(), { kind: "error", status: 429, ...(type ? { type } : {}), message: "Extra usage is required for long context requests." });
    expect(extra.kind).toBe("rejected");
    expect(extra.message).toMatch(/extra usage/);
    const tooLarge = await failure(make(), {
      kind: "error",
      status: 429,
      code: "rate_limit_exceeded",
      message: "Request too large for gpt-4.1-mini in organization org-x on tokens per min (TPM): Limit 30000, Requested 50000. The input or output tokens must be reduced in order to run successfully.",
    });
    expect(tooLarge.kind).toBe("rejected");
    // Requested within the limit: an ordinary rate limit that waiting cures.
    const fits = await failure(make(), { kind: "error", status: 429, message: "Request too large for gpt-4.1-mini on tokens per min (TPM): Limit 30000, Requested 20000." });
    expect(fits.kind).toBe("rate_limit");
    expect(await failure(make(), { kind: "error", status: 429, code: "insufficient_quota", message: "You exceeded your current quota, please check your plan and billing details." })).toMatchObject({ kind: "fatal", fatalCause: "quota" });
  });

  it("classifies server errors, overload, resets and malformed bodies as transient", async () => {
    expect((await failure(make(), { kind: "error", status: 500 })).kind).toBe("transient");
    expect((await failure(make(), { kind: "error", status: 529 })).kind).toBe("transient");
    expect((await failure(make(), { kind: "reset" })).kind).toBe("transient");
    expect((await failure(make(), { kind: "malformed", body: "{not json" })).kind).toBe("transient");
    expect((await failure(make(), { kind: "malformed", body: "{}" })).kind).toBe("transient");
    expect((await failure(make(), { kind: "text", text: "" })).message).toMatch(/empty completion/);
  });

  it("makes exactly one HTTP attempt, whatever the failure (the SDK's own retries are off)", async () => {
    for (const reply of [{ kind: "error", status: 500 }, { kind: "error", status: 529 }, { kind: "error", status: 429, headers: { "retry-after-ms": "1" } }, { kind: "reset" }] as MockReply[]) {
      mock.reset();
      await failure(make(), reply);
      expect(mock.requests).toHaveLength(1);
    }
  });

  it("stops a hanging request at its timeout", async () => {
    mock.setResponder(() => ({ kind: "hang" }));
    const err = await make().attempt(request, { signal: undefined, timeoutMs: 200 }).catch((e: unknown) => e);
    // The reply never comes, so only the timeout can end the attempt.
    expect(err).toBeInstanceOf(LMCallError);
    expect((err as LMCallError).kind).toBe("transient");
    expect((err as LMCallError).message).toMatch(/timed out/i);
  });

  it("gives up a hanging request when its signal aborts", async () => {
    mock.setResponder(() => ({ kind: "hang" }));
    const controller = new AbortController();
    const pending = make().attempt(request, { signal: controller.signal, timeoutMs: 60_000 }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const err = (await pending) as Error;
    expect(err.name).toBe("AbortError");
  });
});

describe("classifyHttpFailure", () => {
  it("names a reached spend limit as out of credit (Anthropic: 400 'specified API usage limits')", () => {
    const err = classifyHttpFailure("anthropic", {
      status: 400,
      type: "invalid_request_error",
      message: "You have reached your specified API usage limits. You will regain access on 2026-04-01 at 00:00 UTC.",
    });
    expect(err).toMatchObject({ kind: "fatal", fatalCause: "quota" });
    // an ordinary 429 stays a rate limit
    expect(classifyHttpFailure("anthropic", { status: 429, type: "rate_limit_error", message: "This request would exceed your account's rate limit." }).kind).toBe("rate_limit");
  });
});

describe("an endpoint that cannot be reached", () => {
  const wrapped = (inner: Error): Error => Object.assign(new Error("Connection error."), { cause: Object.assign(new TypeError("fetch failed"), { cause: inner }) });
  const coded = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:5`), { code });

  it("is marked unreachable when nothing listens there (refused, no such host, a port fetch refuses), naming the cause", () => {
    for (const [inner, shown] of [[coded("ECONNREFUSED"), "ECONNREFUSED"], [coded("ENOTFOUND"), "ENOTFOUND"], [new Error("bad port"), "bad port"]] as const) {
      const err = unreachable("openai", "http://127.0.0.1:5/v1", wrapped(inner));
      expect(err.kind).toBe("transient");
      expect(err.unreachable).toBe(true);
      expect(err.message).toBe(`openai: cannot reach http://127.0.0.1:5/v1 (${shown})`);
    }
  });

  it("is a plain transient failure when the connection broke on the way (reset, timeout)", () => {
    for (const code of ["ECONNRESET", "ETIMEDOUT", "EPIPE"]) {
      const err = unreachable("openai", "http://x/v1", wrapped(coded(code)));
      expect(err.kind).toBe("transient");
      expect(err.unreachable).toBeUndefined();
    }
  });

  it("a real closed port reads as unreachable through the SDK", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const p = new OpenAIProvider({ provider: "openai", model: "m", apiKey: "k", baseURL: `http://127.0.0.1:${port}/v1`, official: false, structuredOutput: false, prices: undefined });
    const err = (await p.attempt(request, { signal: undefined, timeoutMs: 5000 }).catch((e: unknown) => e)) as LMCallError;
    expect(err).toBeInstanceOf(LMCallError);
    expect(err.unreachable).toBe(true);
    expect(err.message).toBe(`openai: cannot reach http://127.0.0.1:${port}/v1 (ECONNREFUSED)`);
  });
});

describe("credentials in a base URL", () => {
  it("stay out of the endpoint (cache key, fingerprints) and out of error messages", async () => {
    const refused = "http://user:SECRET-PW@127.0.0.1:1/v1?api-key=SECRET-Q";
    const providers: ProviderClient[] = [
      new OpenAIProvider({ provider: "openai", model: "m", apiKey: "k", baseURL: refused, official: false, structuredOutput: false, prices: undefined }),
      new AnthropicProvider({ model: "m", apiKey: "k", baseURL: refused.replace("/v1", ""), prices: undefined }),
    ];
    for (const p of providers) {
      expect(p.endpoint).not.toContain("SECRET");
      expect(p.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:1/);
      const err = (await p.attempt(request, { signal: undefined, timeoutMs: 5000 }).catch((e: unknown) => e)) as LMCallError;
      expect(err).toBeInstanceOf(LMCallError);
      expect(err.kind).toBe("transient");
      expect(err.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
      expect(err.message).not.toContain("SECRET");
    }
  });
});

describe("request signals", () => {
  it("leaves no listener on the caller's long-lived signal after many requests", async () => {
    const command = new AbortController();
    const p = openai();
    // The SDK never removes the listener it adds; dspx hands it a short-lived signal of its own, so
    // the caller's signal carries one listener at most, however many requests went through.
    for (let i = 0; i < 50; i++) await p.attempt(request, { signal: command.signal, timeoutMs: 60_000 });
    expect(getEventListeners(command.signal, "abort").length).toBeLessThanOrEqual(1);
    for (let i = 0; i < 150; i++) await p.attempt(request, { signal: command.signal, timeoutMs: 60_000 });
    expect(getEventListeners(command.signal, "abort").length).toBeLessThanOrEqual(1);
  });
});
