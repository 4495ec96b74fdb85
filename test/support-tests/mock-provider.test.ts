import Anthropic from "@anthropic-ai/sdk";
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../support/fake-clock.js";
import { chatAdapter } from "../../src/adapters/chat.js";
import { jsonAdapter } from "../../src/adapters/json.js";
import type { ChatMessage } from "../../src/lm/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import {
  defaultResponder,
  goDuration,
  rfc3339Seconds,
  startMockProvider,
  toolCallResponder,
  type MockProvider,
  type MockReply,
  type MockRequest,
} from "../support/mock-provider.js";

/** An adapter's text-only messages in the OpenAI SDK's request type. */
const wire = (messages: ChatMessage[]) => messages.map((m) => ({ role: m.role as "system" | "user" | "assistant", content: m.content }));

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");

const USER = [{ role: "user" as const, content: "Say hello" }];

function clients(mock: MockProvider, key = "test") {
  return {
    openai: new OpenAI({ apiKey: key, baseURL: mock.openaiBaseUrl, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: key, baseURL: mock.anthropicBaseUrl, maxRetries: 0 }),
  };
}

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}


// A dspx chat-adapter prompt, written out as the adapter renders it.
const DSPX_SYSTEM = [
  "You will be given these input fields:",
  "1. `message` (string): The customer's message",
  "",
  "You must produce these output fields:",
  "1. `team` (enum(billing, technical, \"sales, EMEA\"))",
  "2. `urgent` (boolean)",
  "3. `priority` (integer)",
  "4. `summary` (string): One line",
  "5. `tags` (list[string])",
  "6. `extra` (json)",
  "",
  "Lay out every message in this structure, each field's value on the lines after its marker:",
  "",
  "[[ ## message ## ]]",
  "{message}",
  "",
  "[[ ## team ## ]]",
  '{team} (must be exactly one of: billing; technical; sales, EMEA)',
  "",
  "[[ ## urgent ## ]]",
  "{urgent} (true or false)",
  "",
  "[[ ## priority ## ]]",
  "{priority} (an integer)",
  "",
  "[[ ## summary ## ]]",
  "{summary}",
  "",
  "[[ ## tags ## ]]",
  "{tags} (as JSON: an array of strings)",
  "",
  "[[ ## extra ## ]]",
  "{extra} (as JSON)",
  "",
  "[[ ## completed ## ]]",
  "",
  "Objective:",
  "Route the message to a team.",
].join("\n");

const dspxUser = (message: string) =>
  [
    "[[ ## message ## ]]",
    message,
    "",
    "Respond with the corresponding output fields, starting with the field `[[ ## team ## ]]`, then `[[ ## urgent ## ]]`, then `[[ ## priority ## ]]`, then `[[ ## summary ## ]]`, then `[[ ## tags ## ]]`, then `[[ ## extra ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`.",
  ].join("\n");

describe("mock provider over the official SDKs", () => {
  let mock: MockProvider;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    mock = await startMockProvider();
    ({ openai, anthropic } = clients(mock));
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  describe("success replies", () => {
    it("OpenAI: text, usage and the request as received", async () => {
      mock.setResponder(() => ({ kind: "text", text: "Hello!", usage: { prompt: 120, completion: 7, cached: 64 } }));
      const res = await openai.chat.completions.create({
        model: "gpt-4.1-mini",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "Say hello" }] },
        ],
      });
      expect(res.object).toBe("chat.completion");
      expect(res.model).toBe("gpt-4.1-mini");
      expect(res.choices[0]!.message).toMatchObject({ role: "assistant", content: "Hello!", refusal: null });
      expect(res.choices[0]!.finish_reason).toBe("stop");
      expect(res.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 7, total_tokens: 127, prompt_tokens_details: { cached_tokens: 64 } });
      expect(res._request_id).toBe("req_mock_0");

      const [req] = mock.requests;
      expect(req).toMatchObject({ api: "openai", index: 0, model: "gpt-4.1-mini", system: "Be brief." });
      expect(req!.messages).toEqual([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
      ]);
      expect(req!.headers.authorization).toBe("Bearer test");
      expect(mock.counts).toEqual({ total: 1, ok: 1, rateLimited: 0, errors: 0 });
    });

    it("OpenAI: usage defaults to characters / 4", async () => {
      mock.setResponder(() => ({ kind: "text", text: "x".repeat(40) }));
      const res = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "y".repeat(400) }] });
      expect(res.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_tokens_details: { cached_tokens: 0 } });
    });

    it("Anthropic: text, usage and the request as received", async () => {
      mock.setResponder(() => ({ kind: "text", text: "Hi there", usage: { prompt: 50, completion: 3, cached: 20 } }));
      const msg = await anthropic.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 100,
        system: [{ type: "text", text: "Be brief." }],
        messages: USER,
      });
      expect(msg).toMatchObject({
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [{ type: "text", text: "Hi there" }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 30, output_tokens: 3, cache_read_input_tokens: 20, cache_creation_input_tokens: 0 },
      });
      expect(msg._request_id).toBe("req_mock_0");
      expect(mock.requests[0]).toMatchObject({ api: "anthropic", model: "claude-sonnet-4-5", system: "Be brief.", messages: USER });
      expect(mock.requests[0]!.headers["x-api-key"]).toBe("test");
    });

    it("scripted headers reach the client", async () => {
      mock.setResponder(() => ({ kind: "text", text: "ok", headers: { "x-custom": "42" } }));
      const { response } = await openai.chat.completions.create({ model: "m", messages: USER }).withResponse();
      expect(response.headers.get("x-custom")).toBe("42");
    });

    it("a json reply is the content text (OpenAI) or a text block without a forced tool (Anthropic)", async () => {
      mock.setResponder(() => ({ kind: "json", value: { a: 1, b: ["x"] } }));
      const res = await openai.chat.completions.create({ model: "m", messages: USER });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ a: 1, b: ["x"] });
      const msg = await anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER });
      expect(msg.content).toEqual([{ type: "text", text: '{"a":1,"b":["x"]}' }]);
    });

    it("OpenAI json_schema structured output satisfies the schema", async () => {
      const schema = {
        type: "object",
        properties: {
          team: { type: "string", enum: ["billing", "technical"] },
          count: { type: "integer", minimum: 10, maximum: 12 },
          score: { type: "number" },
          urgent: { type: "boolean" },
          tags: { type: "array", items: { type: "string" }, minItems: 3 },
          data: { type: "string", description: "JSON text" },
          nested: { $ref: "#/$defs/Nested" },
          maybe: { anyOf: [{ type: "null" }, { type: "integer" }] },
        },
        required: ["team", "count", "score", "urgent", "tags", "data", "nested", "maybe"],
        additionalProperties: false,
        $defs: { Nested: { type: "object", properties: { level: { type: "string", enum: ["low", "high"] } }, required: ["level"], additionalProperties: false } },
      };
      const create = () =>
        openai.chat.completions.create({
          model: "m",
          messages: [{ role: "user", content: "[[ ## message ## ]]\nMy invoice is wrong" }],
          response_format: { type: "json_schema", json_schema: { name: "out", strict: true, schema } },
        });
      const res = await create();
      const value = JSON.parse(res.choices[0]!.message.content!);
      expect(Object.keys(value).sort()).toEqual(["count", "data", "maybe", "nested", "score", "tags", "team", "urgent"]);
      expect(["billing", "technical"]).toContain(value.team);
      expect(value.count).toBeGreaterThanOrEqual(10);
      expect(value.count).toBeLessThanOrEqual(12);
      expect(Number.isInteger(value.count)).toBe(true);
      expect([0, 1]).toContain(value.score);
      expect(typeof value.urgent).toBe("boolean");
      expect(value.tags).toHaveLength(3);
      expect(value.tags.every((t: unknown) => typeof t === "string")).toBe(true);
      expect(JSON.parse(value.data)).toEqual({ value: "My invoice is wrong" });
      expect(["low", "high"]).toContain(value.nested.level);
      expect(Number.isInteger(value.maybe)).toBe(true);
      // Deterministic: the same request, the same answer.
      expect((await create()).choices[0]!.message.content).toBe(res.choices[0]!.message.content);
    });

    it("Anthropic forced tool use answers with a tool_use block whose input satisfies the schema", async () => {
      const msg = await anthropic.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 200,
        messages: [{ role: "user", content: "[[ ## message ## ]]\nThe app crashes" }],
        tools: [
          { name: "other", input_schema: { type: "object", properties: { x: { type: "string" } } } },
          {
            name: "dspx_outputs",
            input_schema: {
              type: "object",
              properties: { team: { type: "string", enum: ["billing", "technical"] }, n: { type: "integer" }, ok: { type: "boolean" } },
              required: ["team", "n", "ok"],
            },
          },
        ],
        tool_choice: { type: "tool", name: "dspx_outputs" },
      });
      expect(msg.stop_reason).toBe("tool_use");
      expect(msg.content).toHaveLength(1);
      const block = msg.content[0]!;
      if (block.type !== "tool_use") throw new Error(`expected tool_use, got ${block.type}`);
      expect(block.name).toBe("dspx_outputs");
      expect(block.id).toMatch(/^toolu_/);
      const input = block.input as Record<string, unknown>;
      expect(["billing", "technical"]).toContain(input.team);
      expect(Number.isInteger(input.n)).toBe(true);
      expect(typeof input.ok).toBe("boolean");
      expect(msg.usage.output_tokens).toBeGreaterThan(0);
    });

    it("lists models for both SDKs", async () => {
      const models = await openai.models.list();
      expect(models.data.map((m) => m.id)).toContain("gpt-4.1-mini");
      const anthropicModels = await anthropic.models.list();
      expect(anthropicModels.data.map((m) => m.id)).toContain("claude-sonnet-4-5");
      expect(mock.counts.total).toBe(0); // model listings are not LLM requests
    });
  });

  describe("errors surface as the SDKs' error classes", () => {
    const openaiCases: [MockReply & { kind: "error" }, new (...a: any[]) => Error, { type: string; code: string | null }][] = [
      [{ kind: "error", status: 400 }, OpenAI.BadRequestError, { type: "invalid_request_error", code: null }],
      [{ kind: "error", status: 401 }, OpenAI.AuthenticationError, { type: "invalid_request_error", code: "invalid_api_key" }],
      [{ kind: "error", status: 403 }, OpenAI.PermissionDeniedError, { type: "invalid_request_error", code: null }],
      [{ kind: "error", status: 404 }, OpenAI.NotFoundError, { type: "invalid_request_error", code: "model_not_found" }],
      [{ kind: "error", status: 429 }, OpenAI.RateLimitError, { type: "requests", code: "rate_limit_exceeded" }],
      [{ kind: "error", status: 429, code: "insufficient_quota" }, OpenAI.RateLimitError, { type: "insufficient_quota", code: "insufficient_quota" }],
      [{ kind: "error", status: 500 }, OpenAI.InternalServerError, { type: "server_error", code: null }],
      [{ kind: "error", status: 503 }, OpenAI.InternalServerError, { type: "server_error", code: null }],
    ];
    for (const [reply, cls, expected] of openaiCases) {
      it(`OpenAI ${reply.status}${reply.code ? ` ${reply.code}` : ""} → ${cls.name}`, async () => {
        mock.setResponder(() => reply);
        const err = await rejection(openai.chat.completions.create({ model: "gpt-x", messages: USER }));
        expect(err).toBeInstanceOf(cls);
        expect(err.status).toBe(reply.status);
        expect(err.type).toBe(expected.type);
        expect(err.code).toBe(expected.code);
        expect(err.error).toMatchObject({ type: expected.type, code: expected.code, param: null });
        expect(typeof err.error.message).toBe("string");
        expect(err.requestID).toBe("req_mock_0");
        if (reply.status === 404) expect(err.error.message).toContain("gpt-x");
        if (reply.code === "insufficient_quota") expect(err.error.message).toMatch(/exceeded your current quota/);
        expect(mock.counts).toEqual({ total: 1, ok: 0, rateLimited: reply.status === 429 ? 1 : 0, errors: reply.status === 429 ? 0 : 1 });
      });
    }

    const anthropicCases: [MockReply & { kind: "error" }, new (...a: any[]) => Error, string][] = [
      [{ kind: "error", status: 400 }, Anthropic.BadRequestError, "invalid_request_error"],
      [{ kind: "error", status: 401 }, Anthropic.AuthenticationError, "authentication_error"],
      [{ kind: "error", status: 403 }, Anthropic.PermissionDeniedError, "permission_error"],
      [{ kind: "error", status: 404 }, Anthropic.NotFoundError, "not_found_error"],
      [{ kind: "error", status: 429 }, Anthropic.RateLimitError, "rate_limit_error"],
      [{ kind: "error", status: 500 }, Anthropic.InternalServerError, "api_error"],
      [{ kind: "error", status: 529 }, Anthropic.InternalServerError, "overloaded_error"],
    ];
    for (const [reply, cls, type] of anthropicCases) {
      it(`Anthropic ${reply.status} → ${cls.name} (${type})`, async () => {
        mock.setResponder(() => reply);
        const err = await rejection(anthropic.messages.create({ model: "claude-x", max_tokens: 10, messages: USER }));
        expect(err).toBeInstanceOf(cls);
        expect(err.status).toBe(reply.status);
        expect(err.error).toMatchObject({ type: "error", error: { type }, request_id: "req_mock_0" });
        expect(typeof err.error.error.message).toBe("string");
        expect(err.requestID).toBe("req_mock_0");
        if (reply.status === 404) expect(err.error.error.message).toBe("model: claude-x");
      });
    }

    it("Anthropic credit balance too low (400 invalid_request_error)", async () => {
      mock.setResponder(() => ({
        kind: "error",
        status: 400,
        message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
      }));
      const err = await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }));
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error.error).toEqual({ type: "invalid_request_error", message: expect.stringMatching(/^Your credit balance is too low to access the Anthropic API/) });
      // The shorthand gives the same body.
      mock.setResponder(() => ({ kind: "error", status: 400, code: "insufficient_quota" }));
      const again = await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }));
      expect(again.error.error).toEqual(err.error.error);
    });

    it("a scripted error's type, code, message and headers are sent as given", async () => {
      mock.setResponder(() => ({ kind: "error", status: 429, type: "tokens", code: "rate_limit_exceeded", message: "slow down", headers: { "retry-after": "2", "retry-after-ms": "1500" } }));
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }));
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.error).toEqual({ message: "slow down", type: "tokens", param: null, code: "rate_limit_exceeded" });
      expect(err.headers.get("retry-after")).toBe("2");
      expect(err.headers.get("retry-after-ms")).toBe("1500");
    });

    it("a throwing responder answers 500 with the reason", async () => {
      mock.setResponder(() => {
        throw new Error("responder bug");
      });
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }));
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.error.message).toContain("responder bug");
    });

    it("rejects what the real APIs reject: a system role in Anthropic messages, no max_tokens, streaming", async () => {
      const sys = await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: [{ role: "system" as any, content: "x" }, ...USER] }));
      expect(sys).toBeInstanceOf(Anthropic.BadRequestError);
      expect(sys.error.error.message).toMatch(/messages\.0\.role/);
      const noMax = await rejection(anthropic.messages.create({ model: "m", messages: USER } as any));
      expect(noMax.error.error.message).toMatch(/max_tokens/);
      const stream = await rejection(openai.chat.completions.create({ model: "m", messages: USER, stream: true }));
      expect(stream).toBeInstanceOf(OpenAI.BadRequestError);
      expect(mock.counts.errors).toBe(3);
    });
  });

  describe("the SDKs' own retry path", () => {
    it("OpenAI retries a 429 after retry-after-ms and a 500, then succeeds", async () => {
      const retrying = new OpenAI({ apiKey: "test", baseURL: mock.openaiBaseUrl, maxRetries: 2 });
      mock.setResponder((req) =>
        req.index === 0
          ? { kind: "error", status: 429, headers: { "retry-after-ms": "20", "retry-after": "1" } }
          : req.index === 1
            ? { kind: "error", status: 500 }
            : { kind: "text", text: "third time" },
      );
      const res = await retrying.chat.completions.create({ model: "m", messages: USER });
      expect(res.choices[0]!.message.content).toBe("third time");
      expect(mock.counts).toEqual({ total: 3, ok: 1, rateLimited: 1, errors: 1 });
      expect(mock.requests[1]!.headers["x-stainless-retry-count"]).toBe("1");
    });

    it("Anthropic retries a 529 and a reset, then succeeds", async () => {
      const retrying = new Anthropic({ apiKey: "test", baseURL: mock.anthropicBaseUrl, maxRetries: 2 });
      mock.setResponder((req) =>
        req.index === 0
          ? { kind: "error", status: 529, headers: { "retry-after-ms": "10" } }
          : req.index === 1
            ? { kind: "reset" }
            : { kind: "text", text: "recovered" },
      );
      const msg = await retrying.messages.create({ model: "m", max_tokens: 10, messages: USER });
      expect(msg.content).toEqual([{ type: "text", text: "recovered" }]);
      expect(mock.counts).toEqual({ total: 3, ok: 1, rateLimited: 0, errors: 2 });
    });

    it("OpenAI retries after a hang times out", async () => {
      const retrying = new OpenAI({ apiKey: "test", baseURL: mock.openaiBaseUrl, maxRetries: 1, timeout: 150 });
      mock.setResponder((req) => (req.index === 0 ? { kind: "hang" } : { kind: "text", text: "after hang" }));
      const res = await retrying.chat.completions.create({ model: "m", messages: USER });
      expect(res.choices[0]!.message.content).toBe("after hang");
    });
  });

  describe("transport failures", () => {
    it("hang: the SDK's timeout aborts, and the server keeps serving", async () => {
      mock.setResponder((req) => (req.index < 2 ? { kind: "hang" } : { kind: "text", text: "back" }));
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }, { timeout: 150 }));
      expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      const aerr = await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }, { timeout: 150 }));
      expect(aerr).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
      const res = await openai.chat.completions.create({ model: "m", messages: USER });
      expect(res.choices[0]!.message.content).toBe("back");
    });

    it("hang: an AbortSignal aborts too", async () => {
      mock.setResponder(() => ({ kind: "hang" }));
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }, { signal: AbortSignal.timeout(100) }));
      expect(err).toBeInstanceOf(OpenAI.APIUserAbortError);
    });

    it("slow: answers after the delay, or times out first", async () => {
      // On a fake clock the reply waits for exactly 200 ms of (fake) time, however slow the machine is.
      const clock = new FakeClock();
      const timed = await startMockProvider({ clock, respond: () => ({ kind: "slow", ms: 200, reply: { kind: "text", text: "late" } }) });
      try {
        const { openai: client } = clients(timed);
        const answer = client.chat.completions.create({ model: "m", messages: USER });
        await expect.poll(() => clock.pendingTimers).toBe(1);
        await clock.advance(199);
        expect([clock.pendingTimers, timed.counts.ok]).toEqual([1, 0]);
        await clock.advance(1);
        expect(timed.counts.ok).toBe(1);
        const res = await answer;
        expect(res.choices[0]!.message.content).toBe("late");
        // The client's own (real) timeout fires first when the clock does not reach the delay.
        const err = await rejection(client.chat.completions.create({ model: "m", messages: USER }, { timeout: 50 }));
        expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      } finally {
        await timed.close();
      }
    });

    it("reset: a connection error in both SDKs", async () => {
      mock.setResponder(() => ({ kind: "reset" }));
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }));
      expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      expect(err.status).toBeUndefined();
      const aerr = await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }));
      expect(aerr).toBeInstanceOf(Anthropic.APIConnectionError);
      expect(mock.counts.errors).toBe(2);
    });

    it("malformed: invalid JSON rejects, a wrong shape or an empty body gets through unparsed", async () => {
      mock.setResponder(() => ({ kind: "malformed", body: "{not json" }));
      expect(await rejection(openai.chat.completions.create({ model: "m", messages: USER }))).toBeInstanceOf(SyntaxError);
      expect(await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }))).toBeInstanceOf(SyntaxError);

      mock.setResponder(() => ({ kind: "malformed", body: '{"choices":"nope"}' }));
      const wrong = await openai.chat.completions.create({ model: "m", messages: USER });
      expect(wrong.choices).toBe("nope");

      mock.setResponder(() => ({ kind: "malformed", body: "" }));
      expect(await openai.chat.completions.create({ model: "m", messages: USER })).toBeUndefined();

      mock.setResponder(() => ({ kind: "malformed", body: "<html>Bad gateway</html>", status: 502 }));
      const gateway = await rejection(openai.chat.completions.create({ model: "m", messages: USER }));
      expect(gateway).toBeInstanceOf(OpenAI.InternalServerError);
      expect(gateway.status).toBe(502);
      expect(mock.counts.errors).toBe(5);
    });
  });

  describe("the default responder", () => {
    it("answers a dspx chat prompt field by field, deterministically", async () => {
      const messages = [
        { role: "system" as const, content: DSPX_SYSTEM },
        { role: "user" as const, content: dspxUser("I was charged twice for my subscription this month, please refund") },
      ];
      const res = await openai.chat.completions.create({ model: "m", messages: wire(messages) });
      const text = res.choices[0]!.message.content!;
      const m = /^\[\[ ## team ## \]\]\n(.*)\n\n\[\[ ## urgent ## \]\]\n(true|false)\n\n\[\[ ## priority ## \]\]\n([1-5])\n\n\[\[ ## summary ## \]\]\n(.+)\n\n\[\[ ## tags ## \]\]\n(\[.*\])\n\n\[\[ ## extra ## \]\]\n(\{.*\})\n\n\[\[ ## completed ## \]\]$/.exec(text);
      expect(m, text).not.toBeNull();
      expect(["billing", "technical", "sales, EMEA"]).toContain(m![1]);
      expect(m![4]).toBe("I was charged twice for my subscription this");
      expect(JSON.parse(m![5]!)).toHaveLength(2);
      expect(JSON.parse(m![6]!)).toEqual({ value: "I was charged twice for my subscription this" });
      // Same request, same answer; both APIs agree.
      expect((await openai.chat.completions.create({ model: "m", messages })).choices[0]!.message.content).toBe(text);
      const msg = await anthropic.messages.create({ model: "m", max_tokens: 500, system: DSPX_SYSTEM, messages: [messages[1]!] });
      expect(msg.content[0]).toEqual({ type: "text", text });
      // The hash of the input picks the option: different inputs cover every option.
      const teams = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const reply = defaultResponder(req("openai", [{ role: "system", content: DSPX_SYSTEM }, { role: "user", content: dspxUser(`message ${i}`) }]));
        teams.add(/\[\[ ## team ## \]\]\n(.*)/.exec((reply as { text: string }).text)![1]!);
      }
      expect([...teams].sort()).toEqual(["billing", "sales, EMEA", "technical"]);
    });

    it("round-trips through dspx's own chat adapter (render → mock → parse)", async () => {
      const signature = parseSignature(
        "question, context: list[string] -> reasoning, answer: enum(yes, no, maybe), confidence: number, count: integer, ok: boolean, tags: list[string], data: json",
      );
      const input = { question: "Is the sky blue?", context: ["The sky is blue on clear days.", "At night it is dark."] };
      const { messages } = chatAdapter.render({ signature, instruction: "Answer the question.", demos: [{ ...input, answer: "yes" }], inputs: input }, { structuredOutput: false });
      const res = await openai.chat.completions.create({ model: "m", messages: wire(messages) });
      const parsed = chatAdapter.parse(signature, res.choices[0]!.message.content!);
      expect(parsed, res.choices[0]!.message.content!).toMatchObject({ ok: true });
      if (!parsed.ok) return;
      expect(["yes", "no", "maybe"]).toContain(parsed.values.answer);
      expect(typeof parsed.values.reasoning).toBe("string");
      expect([0, 1]).toContain(parsed.values.confidence);
      expect(Number.isInteger(parsed.values.count)).toBe(true);
      expect(typeof parsed.values.ok).toBe("boolean");
      expect(parsed.values.tags).toHaveLength(2);

      const single = parseSignature("question -> answer");
      const one = chatAdapter.render({ signature: single, instruction: "", demos: [], inputs: { question: "What is 2+2?" } }, { structuredOutput: false });
      const oneRes = await anthropic.messages.create({ model: "m", max_tokens: 100, system: one.messages[0]!.content, messages: one.messages.slice(1) as { role: "user"; content: string }[] });
      const block = oneRes.content[0]!;
      expect(block.type === "text" && chatAdapter.parse(single, block.text)).toEqual({ ok: true, values: { answer: "What is 2+2?" } });
    });

    it("round-trips through dspx's json adapter, with and without structured output", async () => {
      const signature = parseSignature("message -> team: enum(billing, technical), urgent: boolean, notes: list[string], data: json");
      const input = { signature, instruction: "", demos: [], inputs: { message: "Refund please" } };

      const plain = jsonAdapter.render(input, { structuredOutput: false });
      const res = await openai.chat.completions.create({ model: "m", messages: wire(plain.messages) });
      const parsed = jsonAdapter.parse(signature, res.choices[0]!.message.content!);
      expect(parsed).toMatchObject({ ok: true, values: { data: { value: "Refund please" } } });

      const structured = jsonAdapter.render(input, { structuredOutput: true });
      const rf = structured.responseFormat!;
      const sres = await openai.chat.completions.create({
        model: "m",
        messages: wire(structured.messages),
        response_format: { type: "json_schema", json_schema: { name: rf.name, schema: rf.schema, strict: true } },
      });
      const sparsed = jsonAdapter.parse(signature, sres.choices[0]!.message.content!);
      expect(sparsed).toMatchObject({ ok: true, values: { data: { value: "Refund please" } } });

      const tool = await anthropic.messages.create({
        model: "m",
        max_tokens: 500,
        system: structured.messages[0]!.content,
        messages: structured.messages.slice(1) as { role: "user"; content: string }[],
        tools: [{ name: rf.name, input_schema: rf.schema as Anthropic.Tool.InputSchema }],
        tool_choice: { type: "tool", name: rf.name },
      });
      const block = tool.content[0]!;
      expect(block.type).toBe("tool_use");
      if (block.type === "tool_use") expect(jsonAdapter.parse(signature, JSON.stringify(block.input))).toMatchObject({ ok: true });
    });

    it("answers anything else with a deterministic text", () => {
      const a = defaultResponder(req("openai", USER));
      expect(a).toEqual(defaultResponder(req("openai", USER)));
      expect(a).toMatchObject({ kind: "text", text: expect.stringMatching(/^Mock reply \d{3}: Say hello$/) });
      const none = defaultResponder(req("openai", [{ role: "user", content: "[[ ## q ## ]]\nhi\n\nRespond by ending with the marker for `[[ ## completed ## ]]`." }]));
      expect(none).toEqual({ kind: "text", text: "[[ ## completed ## ]]" });
    });
  });

  it("reset() forgets requests and counts and restores the responder", async () => {
    mock.setResponder(() => ({ kind: "text", text: "scripted" }));
    await openai.chat.completions.create({ model: "m", messages: USER });
    expect(mock.requests).toHaveLength(1);
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect(mock.counts).toEqual({ total: 0, ok: 0, rateLimited: 0, errors: 0 });
    const res = await openai.chat.completions.create({ model: "m", messages: USER });
    expect(res.choices[0]!.message.content).toMatch(/^Mock reply/);
    expect(mock.requests[0]!.index).toBe(0);
  });
});

function req(api: "openai" | "anthropic", messages: { role: string; content: string }[]): MockRequest {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
  return { api, index: 0, model: "m", messages, ...(system ? { system } : {}), body: { model: "m", messages }, headers: {} };
}

describe("requireKey", () => {
  it("401 unless the key matches, in each provider's shape", async () => {
    const mock = await startMockProvider({ requireKey: "sk-right" });
    try {
      const wrong = clients(mock, "sk-wrong");
      const oerr = await rejection(wrong.openai.chat.completions.create({ model: "m", messages: USER }));
      expect(oerr).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(oerr.code).toBe("invalid_api_key");
      const aerr = await rejection(wrong.anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }));
      expect(aerr).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(aerr.error.error.type).toBe("authentication_error");
      expect(await rejection(wrong.openai.models.list())).toBeInstanceOf(OpenAI.AuthenticationError);

      const right = clients(mock, "sk-right");
      await expect(right.openai.chat.completions.create({ model: "m", messages: USER })).resolves.toMatchObject({ object: "chat.completion" });
      await expect(right.anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER })).resolves.toMatchObject({ type: "message" });
      expect(mock.counts).toEqual({ total: 4, ok: 2, rateLimited: 0, errors: 2 });
    } finally {
      await mock.close();
    }
  });
});

describe("rate limits", () => {
  const OPENAI_DURATION = /^(\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$/;
  const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

  it("formats durations like OpenAI and times like Anthropic", () => {
    expect(goDuration(0)).toBe("0s");
    expect(goDuration(120)).toBe("120ms");
    expect(goDuration(119.2)).toBe("120ms");
    expect(goDuration(1000)).toBe("1s");
    expect(goDuration(1500)).toBe("1.5s");
    expect(goDuration(90_000)).toBe("1m30s");
    expect(goDuration(360_000)).toBe("6m0s");
    expect(goDuration(3_723_250)).toBe("1h2m3.25s");
    expect(rfc3339Seconds(Date.UTC(2025, 0, 1, 0, 0, 30))).toBe("2025-01-01T00:00:30Z");
    expect(rfc3339Seconds(Date.UTC(2025, 0, 1, 0, 0, 30, 1))).toBe("2025-01-01T00:00:31Z");
  });

  it("OpenAI headers on success are present and well-formed", async () => {
    const mock = await startMockProvider({ rateLimit: { rpm: 600, burstSeconds: 1, tpm: 60_000, headers: true } });
    try {
      const { openai } = clients(mock);
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { response, data } = await openai.chat.completions.create({ model: "m", messages: USER }).withResponse();
        expect(data.object).toBe("chat.completion");
        const h = response.headers;
        expect(h.get("x-ratelimit-limit-requests")).toBe("600");
        remaining.push(Number(h.get("x-ratelimit-remaining-requests")));
        expect(h.get("x-ratelimit-reset-requests")).toMatch(OPENAI_DURATION);
        expect(h.get("x-ratelimit-limit-tokens")).toBe("60000");
        expect(Number(h.get("x-ratelimit-remaining-tokens"))).toBeLessThan(1000);
        expect(h.get("x-ratelimit-reset-tokens")).toMatch(OPENAI_DURATION);
        expect(h.get("retry-after")).toBeNull();
      }
      // Capacity 10 (600 rpm × 1 s); one token back every 100 ms.
      expect(remaining[0]).toBe(9);
      expect(remaining[2]).toBeLessThanOrEqual(9);
    } finally {
      await mock.close();
    }
  });

  it("Anthropic headers on success are present and well-formed", async () => {
    const mock = await startMockProvider({ rateLimit: { rpm: 50, burstSeconds: 60, tpm: 40_000, headers: true } });
    try {
      const { anthropic } = clients(mock);
      const sent = Date.now();
      const response = await anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }).asResponse();
      const answered = Date.now();
      expect(response.status).toBe(200);
      const h = response.headers;
      expect(h.get("anthropic-ratelimit-requests-limit")).toBe("50");
      expect(h.get("anthropic-ratelimit-requests-remaining")).toBe("49");
      for (const name of ["requests", "tokens", "input-tokens", "output-tokens"]) {
        const reset = h.get(`anthropic-ratelimit-${name}-reset`)!;
        expect(reset).toMatch(RFC3339);
        // A moment when the bucket is full again: after the request was made, at most a burst (60 s,
        // plus rounding up to the second) after it was answered, however long the exchange took.
        expect(Date.parse(reset)).toBeGreaterThanOrEqual(sent);
        expect(Date.parse(reset)).toBeLessThanOrEqual(answered + 61_000);
      }
      expect(h.get("anthropic-ratelimit-tokens-limit")).toBe("40000");
      expect(h.get("anthropic-ratelimit-input-tokens-limit")).toBe("40000");
      expect(Number(h.get("anthropic-ratelimit-output-tokens-remaining"))).toBeLessThan(40_000);
      expect(h.get("x-ratelimit-limit-requests")).toBeNull();
    } finally {
      await mock.close();
    }
  });

  it("no rate-limit headers unless asked for", async () => {
    const mock = await startMockProvider({ rateLimit: { rpm: 600 } });
    try {
      const { response } = await clients(mock).openai.chat.completions.create({ model: "m", messages: USER }).withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBeNull();
    } finally {
      await mock.close();
    }
  });

  it("the request bucket: a burst, then 429s with retry-after, then a refill", async () => {
    // 600 rpm with a 0.5 s burst: 5 requests at once, then one more every 100 ms (of the fake clock).
    const clock = new FakeClock();
    const mock = await startMockProvider({ clock, rateLimit: { rpm: 600, burstSeconds: 0.5, headers: true } });
    try {
      const { openai, anthropic } = clients(mock);
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => openai.chat.completions.create({ model: "m", messages: USER })));
      const ok = results.filter((r) => r.status === "fulfilled");
      const limited = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      expect(ok.length).toBe(5);
      expect(limited.length).toBe(3);
      const err = limited[0];
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.code).toBe("rate_limit_exceeded");
      expect(err.type).toBe("requests");
      const retryMs = Number(err.headers.get("retry-after-ms"));
      expect(retryMs).toBe(100);
      expect(err.headers.get("retry-after")).toBe("1");
      expect(err.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(err.headers.get("x-ratelimit-reset-requests")).toMatch(OPENAI_DURATION);
      expect(mock.counts).toMatchObject({ total: 8, ok: ok.length, rateLimited: limited.length });

      // One ms short of retry-after-ms is still refused; honouring it, the next request goes through.
      await clock.advance(retryMs - 1);
      expect(await rejection(openai.chat.completions.create({ model: "m", messages: USER }))).toBeInstanceOf(OpenAI.RateLimitError);
      await clock.advance(1);
      await expect(openai.chat.completions.create({ model: "m", messages: USER })).resolves.toMatchObject({ object: "chat.completion" });
      // The bucket is empty again right after; Anthropic's 429 carries the same retry headers.
      const burst = await Promise.allSettled(Array.from({ length: 4 }, () => anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER })));
      const aerr = burst.flatMap((r) => (r.status === "rejected" ? [r.reason] : []))[0];
      expect(aerr).toBeInstanceOf(Anthropic.RateLimitError);
      expect(aerr.error.error.type).toBe("rate_limit_error");
      expect(Number(aerr.headers.get("retry-after-ms"))).toBeGreaterThan(0);
      expect(aerr.headers.get("retry-after")).toBe("1");
      expect(aerr.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");

      // Fully refilled after the reset time (0.5 s): a full burst again.
      await clock.advance(500);
      const again = await Promise.allSettled(Array.from({ length: 5 }, () => openai.chat.completions.create({ model: "m", messages: USER })));
      expect(again.every((r) => r.status === "fulfilled")).toBe(true);
    } finally {
      await mock.close();
    }
  });

  it("the token bucket: 429 of type tokens when the prompt does not fit", async () => {
    // 6000 tpm with a 1 s burst: 100 tokens at once; each prompt costs 60 tokens, plus 20 for its completion.
    const mock = await startMockProvider({
      rateLimit: { rpm: 100_000, burstSeconds: 1, tpm: 6000 },
      respond: () => ({ kind: "text", text: "ok", usage: { completion: 20 } }),
    });
    try {
      const { openai } = clients(mock);
      const prompt = [{ role: "user" as const, content: "z".repeat(240) }];
      await openai.chat.completions.create({ model: "m", messages: prompt });
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: prompt }));
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.type).toBe("tokens");
      expect(Number(err.headers.get("retry-after-ms"))).toBeGreaterThan(0);
    } finally {
      await mock.close();
    }
  });

  it("headers stamped at admission: a slow reply reports what remained when it was admitted", async () => {
    // 60 rpm with a minute of burst, on a fake clock that moves only for the slow reply: nothing refills.
    const slowFirst = (req: MockRequest): MockReply =>
      req.index === 0 ? { kind: "slow", ms: 300, reply: { kind: "text", text: "slow" } } : defaultResponder(req);
    for (const stamp of ["admission", "answer"] as const) {
      const clock = new FakeClock();
      const mock = await startMockProvider({ clock, rateLimit: { rpm: 60, burstSeconds: 60, headers: true, stamp }, respond: slowFirst });
      try {
        const { openai } = clients(mock);
        const first = openai.chat.completions.create({ model: "m", messages: USER }).withResponse();
        await expect.poll(() => clock.pendingTimers).toBe(1); // admitted, its slow reply waiting
        for (let i = 0; i < 3; i++) await openai.chat.completions.create({ model: "m", messages: USER });
        await clock.advance(300);
        const { response } = await first;
        // Admitted first (59 left); answered after the three others were admitted (56 left).
        expect(response.headers.get("x-ratelimit-remaining-requests")).toBe(stamp === "admission" ? "59" : "56");
      } finally {
        await mock.close();
      }
    }
  });

  it("refusals whatever the rate: the first requests, or a storm, answered 429 with retry-after", async () => {
    const mock = await startMockProvider({ refusals: { first: 2, retryAfterMs: 1500 } });
    try {
      const { openai, anthropic } = clients(mock);
      const err = await rejection(openai.chat.completions.create({ model: "m", messages: USER }));
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.code).toBe("rate_limit_exceeded");
      expect(err.headers.get("retry-after")).toBe("2");
      expect(err.headers.get("retry-after-ms")).toBe("1500");
      expect(await rejection(anthropic.messages.create({ model: "m", max_tokens: 10, messages: USER }))).toBeInstanceOf(Anthropic.RateLimitError);
      await expect(openai.chat.completions.create({ model: "m", messages: USER })).resolves.toMatchObject({ object: "chat.completion" });
      expect(mock.counts).toMatchObject({ total: 3, ok: 1, rateLimited: 2 });
    } finally {
      await mock.close();
    }
    // A storm that covers all time refuses everything; one of no length, nothing.
    for (const [durationMs, refused] of [[1e9, true], [0, false]] as const) {
      const m = await startMockProvider({ refusals: { storm: { periodMs: 1e9, durationMs } } });
      try {
        const result = await Promise.allSettled([clients(m).openai.chat.completions.create({ model: "m", messages: USER })]);
        expect(result[0]!.status).toBe(refused ? "rejected" : "fulfilled");
        if (refused) expect((result[0] as PromiseRejectedResult).reason.headers.get("retry-after")).toBe("1");
      } finally {
        await m.close();
      }
    }
  });

  it("latency ranges are deterministic and added to every reply", async () => {
    /** The delay of each of four replies in turn, read off a fake clock; each arrives only once it has passed. */
    const delays = async (): Promise<number[]> => {
      const clock = new FakeClock();
      const mock = await startMockProvider({ clock, latencyMs: { min: 80, max: 120 } });
      try {
        const { openai } = clients(mock);
        const seen: number[] = [];
        for (let i = 0; i < 4; i++) {
          const reply = openai.chat.completions.create({ model: "m", messages: USER });
          await expect.poll(() => clock.pendingTimers).toBe(1);
          const delay = clock.nextTimerAt()! - clock.now();
          await clock.advance(delay - 1);
          expect(mock.counts.ok).toBe(i);
          await clock.advance(1);
          expect(mock.counts.ok).toBe(i + 1);
          await reply;
          seen.push(delay);
        }
        return seen;
      } finally {
        await mock.close();
      }
    };
    const first = await delays();
    for (const d of first) expect(d >= 80 && d <= 120, `delay ${d}`).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(1); // drawn from the range, not one fixed value
    expect(await delays()).toEqual(first);
  });
});

describe("throughput", () => {
  it("serves 2,000 requests at concurrency 64 through the openai SDK", async () => {
    const mock = await startMockProvider({ record: false });
    try {
      const { openai } = clients(mock);
      const system = { role: "system" as const, content: DSPX_SYSTEM };
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < 2000) {
            const i = next++;
            const res = await openai.chat.completions.create({ model: "m", messages: [system, { role: "user", content: dspxUser(`message ${i}`) }] });
            if (!res.choices[0]!.message.content!.endsWith("[[ ## completed ## ]]")) throw new Error("bad reply");
          }
        }),
      );
      expect(mock.counts).toEqual({ total: 2000, ok: 2000, rateLimited: 0, errors: 0 });
      expect(mock.requests).toHaveLength(0);
    } finally {
      await mock.close();
    }
  }, 60_000);
});


describe("native tool calls", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider({ respond: toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1" } }], answer: "It shipped." }) });
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  const fn = { type: "function" as const, function: { name: "lookup_order", description: "Look up an order.", parameters: { type: "object", properties: { order_id: { type: "string" } } } } };
  const tool = { name: "lookup_order", description: "Look up an order.", input_schema: { type: "object" as const, properties: { order_id: { type: "string" } } } };

  it("answers OpenAI with tool_calls, then with text once a tool result is in the conversation", async () => {
    const { openai } = clients(mock);
    const first = await openai.chat.completions.create({ model: "gpt-4.1-mini", messages: USER, tools: [fn] });
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(first.choices[0]!.message.content).toBeNull();
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call).toEqual({ id: "call_mock0_0", type: "function", function: { name: "lookup_order", arguments: '{"order_id":"A-1"}' } });
    const second = await openai.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [...USER, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "shipped" }],
      tools: [fn],
    });
    expect(second.choices[0]!.message.content).toBe("It shipped.");
    // No tools offered: the default answers, as before.
    const plain = await openai.chat.completions.create({ model: "gpt-4.1-mini", messages: USER });
    expect(plain.choices[0]!.message.content).toMatch(/^Mock reply/);
  });

  it("answers Anthropic with tool_use blocks, then with text once a tool_result is in the conversation", async () => {
    const { anthropic } = clients(mock);
    const first = await anthropic.messages.create({ model: "claude-haiku-4-5", max_tokens: 64, messages: USER, tools: [tool] });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([{ type: "tool_use", id: "toolu_mock0_0", name: "lookup_order", input: { order_id: "A-1" } }]);
    const second = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 64,
      tools: [tool],
      messages: [
        ...USER,
        { role: "assistant", content: first.content as Anthropic.ToolUseBlockParam[] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_mock0_0", content: "shipped" }] },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "It shipped." }]);
  });

  it("refuses requests carrying tools as Ollama, llama.cpp and vLLM do, and answers the rest", async () => {
    for (const [kind, status, message] of [
      ["ollama", 400, "registry.ollama.ai/library/llama3 does not support tools"],
      ["llamacpp", 500, "tools param requires --jinja flag"],
      ["vllm", 400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'],
    ] as const) {
      const refusing = await startMockProvider({ rejectTools: kind });
      const { openai } = clients(refusing);
      const err = await rejection(openai.chat.completions.create({ model: "llama3", messages: USER, tools: [fn] }));
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(status);
      expect(err.error.message).toBe(message);
      expect((await openai.chat.completions.create({ model: "llama3", messages: USER })).choices[0]!.message.content).toMatch(/^Mock reply/);
      expect(refusing.counts).toMatchObject({ total: 2, ok: 1, errors: 1 });
      await refusing.close();
    }
  });
});

describe("processes", () => {
  function run(args: string[]) {
    return spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  }

  function exit(child: ReturnType<typeof run>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`child did not exit within ${timeoutMs} ms (open handles?)\n${stdout}\n${stderr}`));
      }, timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it("close() leaves no open handles: the process exits on its own", async () => {
    const result = await exit(run([path.join(HERE, "fixtures/close-child.ts")]), 20_000);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('closed ["failed","failed"]\n');
  });

  it("mock-provider-main: prints its url, serves, prints counts on SIGTERM", async () => {
    const args = ["--rpm", "600", "--burst", "1", "--headers", "--stamp", "admission", "--latency", "5-10", "--refuse-first", "1", "--storm", "5000:0"];
    const child = run([path.join(ROOT, "test/support/mock-provider-main.ts"), ...args]);
    const done = exit(child, 20_000);
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve) => lines.once("line", resolve));
    const { url, openaiBaseUrl } = JSON.parse(first);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const openai = new OpenAI({ apiKey: "test", baseURL: openaiBaseUrl, maxRetries: 0 });
    expect(await rejection(openai.chat.completions.create({ model: "m", messages: USER }))).toBeInstanceOf(OpenAI.RateLimitError);
    const { response } = await openai.chat.completions.create({ model: "m", messages: USER }).withResponse();
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("600");
    const last = new Promise<string>((resolve) => lines.on("line", resolve));
    child.kill("SIGTERM");
    const result = await done;
    expect(result.code).toBe(0);
    expect(JSON.parse(await last)).toEqual({ counts: { total: 2, ok: 1, rateLimited: 1, errors: 0 }, cpuMs: expect.any(Number), admittedMs: null });
  });

  it("mock-provider-main --tool-calls / --tool-answer: answers requests offering tools with the calls, then the answer", async () => {
    const calls = JSON.stringify([{ name: "lookup_order", arguments: { order_id: "A-1" } }]);
    const child = run([path.join(ROOT, "test/support/mock-provider-main.ts"), "--tool-calls", calls, "--tool-answer", "It shipped."]);
    const done = exit(child, 20_000);
    const lines = createInterface({ input: child.stdout! });
    const { openaiBaseUrl } = JSON.parse(await new Promise<string>((resolve) => lines.once("line", resolve)));
    const openai = new OpenAI({ apiKey: "test", baseURL: openaiBaseUrl, maxRetries: 0 });
    const tools = [{ type: "function" as const, function: { name: "lookup_order", parameters: { type: "object" } } }];
    const first = await openai.chat.completions.create({ model: "m", messages: USER, tools });
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: "function", function: { name: "lookup_order", arguments: '{"order_id":"A-1"}' } });
    const second = await openai.chat.completions.create({ model: "m", messages: [...USER, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "shipped" }], tools });
    expect(second.choices[0]!.message.content).toBe("It shipped.");
    expect((await openai.chat.completions.create({ model: "m", messages: USER })).choices[0]!.message.content).toMatch(/^Mock reply/);
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
  });

  it("mock-provider-main refuses --tool-calls that are not a list of calls", async () => {
    const result = await exit(run([path.join(ROOT, "test/support/mock-provider-main.ts"), "--tool-calls", '{"name":"x"}']), 20_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--tool-calls needs a JSON array/);
  });

  it("mock-provider-main --reject-tools: refuses requests carrying tools", async () => {
    const child = run([path.join(ROOT, "test/support/mock-provider-main.ts"), "--reject-tools", "ollama"]);
    const done = exit(child, 20_000);
    const lines = createInterface({ input: child.stdout! });
    const { openaiBaseUrl } = JSON.parse(await new Promise<string>((resolve) => lines.once("line", resolve)));
    const openai = new OpenAI({ apiKey: "test", baseURL: openaiBaseUrl, maxRetries: 0 });
    const tools = [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }];
    expect((await rejection(openai.chat.completions.create({ model: "llama3", messages: USER, tools }))).error.message).toBe("registry.ollama.ai/library/llama3 does not support tools");
    child.kill("SIGTERM");
    expect((await done).code).toBe(0);
  });
});
