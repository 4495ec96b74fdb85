import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { CachedClient, cacheKey } from "../../src/lm/cache.js";
import { LMCallError, ToolsUnsupportedError } from "../../src/lm/call-error.js";
import { lmCallRecord } from "../../src/lm/call-record.js";
import { MeteredClient } from "../../src/lm/metered.js";
import { anthropicMessages } from "../../src/lm/providers/anthropic-messages.js";
import { classifyHttpFailure } from "../../src/lm/providers/classify.js";
import { scrubbed } from "../../src/lm/providers/scrub.js";
import type { ProviderClient } from "../../src/lm/providers/types.js";
import { ScheduledClient } from "../../src/lm/scheduled.js";
import { Scheduler } from "../../src/lm/scheduler/scheduler.js";
import { SimClient } from "../../src/lm/sim/client.js";
import type { ToolCall, ToolSchema } from "../../src/lm/tool-types.js";
import type { LMRequest, LMResponse } from "../../src/lm/types.js";
import { ProviderError } from "../../src/util/errors.js";
import { Store } from "../../src/store/store.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeLM } from "../support/fake-lm.js";
import { lmRequest } from "../support/lm-request.js";

const LOOKUP: ToolSchema = { name: "lookup_order", description: "Look up an order.", parameters: { type: "object", properties: { order_id: { type: "string" } } } };
const base = lmRequest(
  [
    { role: "system", content: "S" },
    { role: "user", content: "U" },
  ],
  { model: "openai:gpt-4.1-mini", maxTokens: 256 },
);
const withTools: LMRequest = { ...base, tools: [LOOKUP] };
const client = { provider: "openai", model: "gpt-4.1-mini", endpoint: "https://api.openai.com/v1" };
const CALLS: ToolCall[] = [{ id: "call_1", name: "lookup_order", arguments: '{"order_id":"A-1"}' }];

describe("a refusal of tools", () => {
  // What the servers really answer (see the mock's MockToolRefusal).
  const refusals: [string, number, string][] = [
    ["Ollama", 400, "stablelm2:latest does not support tools"],
    ["Ollama (registry name)", 400, "registry.ollama.ai/library/gemma3:4b does not support tools"],
    ["llama.cpp without --jinja", 500, "tools param requires --jinja flag"],
    ["older llama.cpp", 500, "Unsupported param: tools"],
    ["vLLM", 400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'],
    ["vLLM, required", 400, 'tool_choice = "required" is not supported!'],
    ["OpenAI", 400, "Unsupported parameter: 'tools' is not supported with this model."],
  ];

  it.each(refusals)("from %s (%i) is a ToolsUnsupportedError of kind rejected when the request carried tools", (_server, status, message) => {
    const err = classifyHttpFailure("openai", { status, message, toolsSent: true });
    expect(err).toBeInstanceOf(ToolsUnsupportedError);
    expect(err.kind).toBe("rejected");
    expect(err.status).toBe(status);
    expect(err.message).toContain(message);
  });

  it.each(refusals)("from %s (%i) is classified as before when the request carried none", (_server, status, message) => {
    const err = classifyHttpFailure("openai", { status, message });
    expect(err).not.toBeInstanceOf(ToolsUnsupportedError);
    expect(err.kind).toBe(status === 500 ? "transient" : "fatal");
  });

  it("is not read into other failures of a request with tools", () => {
    expect(classifyHttpFailure("openai", { status: 400, message: "temperature is not supported", toolsSent: true }).kind).toBe("fatal");
    expect(classifyHttpFailure("openai", { status: 500, message: "The server had an error while processing your request.", toolsSent: true }).kind).toBe("transient");
    expect(classifyHttpFailure("openai", { status: 401, message: "does not support tools", toolsSent: true }).kind).toBe("fatal");
    expect(classifyHttpFailure("openai", { status: 429, message: "Rate limit reached", toolsSent: true }).kind).toBe("rate_limit");
    expect(classifyHttpFailure("openai", { status: 400, code: "insufficient_quota", message: "You exceeded your current quota", toolsSent: true }).kind).toBe("fatal");
  });

  it("is not a server's failure to read the model's tool call (Groq's tool_use_failed): that answer is rejected, the command goes on", () => {
    const err = classifyHttpFailure("openai", {
      status: 400,
      type: "invalid_request_error",
      code: "tool_use_failed",
      message: "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
      toolsSent: true,
    });
    expect(err).not.toBeInstanceOf(ToolsUnsupportedError);
    expect(err.kind).toBe("rejected");
  });

  it("stays a ToolsUnsupportedError when its message is scrubbed of a secret", () => {
    const err = new ToolsUnsupportedError("the endpoint does not take native tool calls (sk-abcdefghijklmnopqrstuvwx does not support tools)", { status: 400 });
    const clean = scrubbed(err, ["sk-abcdefghijklmnopqrstuvwx"]);
    expect(clean).toBeInstanceOf(ToolsUnsupportedError);
    expect(clean).toMatchObject({ kind: "rejected", status: 400 });
    expect((clean as Error).message).not.toContain("sk-abc");
  });
});

/** A provider that answers text, refuses every request with tools, and counts its attempts. */
function refusingProvider(options: { toolCalling?: boolean } = {}): ProviderClient & { attempts: number; withTools: number } {
  const p = {
    provider: "ollama",
    model: "llama3",
    endpoint: "http://127.0.0.1:11434/v1",
    structuredOutput: false,
    toolCalling: options.toolCalling ?? true,
    attempts: 0,
    withTools: 0,
    async attempt(request: LMRequest) {
      p.attempts++;
      if (request.tools && request.tools.length > 0) {
        p.withTools++;
        throw classifyHttpFailure("ollama", { status: 400, message: "llama3 does not support tools", toolsSent: true });
      }
      const value: LMResponse = { text: "plain", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, costUsd: 0, cached: false, latencyMs: 1, model: "llama3" };
      return { value };
    },
  };
  return p;
}

function scheduled(provider: ProviderClient, notices: string[]): ScheduledClient {
  return new ScheduledClient(provider, new Scheduler({ name: "ollama:llama3 @ http://127.0.0.1:11434/v1", concurrency: 4, clock: new FakeClock() }), (m) => notices.push(m));
}

describe("an endpoint that refuses tools", () => {
  it("fails the call without retrying or stopping anything, and turns toolCalling off with one notice", async () => {
    const provider = refusingProvider();
    const notices: string[] = [];
    const lm = scheduled(provider, notices);
    expect(lm.toolCalling).toBe(true);
    const [a, b] = await Promise.all([lm.complete(withTools).catch((e: unknown) => e), lm.complete({ ...withTools, sample: 1 }).catch((e: unknown) => e)]);
    expect(a).toBeInstanceOf(ToolsUnsupportedError);
    expect(b).toBeInstanceOf(ToolsUnsupportedError);
    expect(a).not.toBeInstanceOf(ProviderError);
    expect(provider.attempts).toBe(2);
    expect(lm.scheduler.stats().retries).toBe(0);
    expect(lm.toolCalling).toBe(false);
    expect(notices).toEqual([expect.stringMatching(/^ollama:llama3 @ http:\/\/127\.0\.0\.1:11434\/v1: the endpoint does not take native tool calls \(ollama 400: llama3 does not support tools\); agent steps on it use the text protocol from now on$/)]);
    // An empty list offers no tools: sent as a plain request.
    await expect(lm.complete({ ...withTools, tools: [] })).resolves.toMatchObject({ text: "plain" });
    expect(provider.attempts).toBe(3);
    // Known: refused without a request.
    await expect(lm.complete({ ...withTools, sample: 2 })).rejects.toBeInstanceOf(ToolsUnsupportedError);
    expect(provider.attempts).toBe(3);
    // The same endpoint goes on answering requests without tools.
    await expect(lm.complete(base)).resolves.toMatchObject({ text: "plain" });
    expect(notices).toHaveLength(1);
  });

  it("is seen through the cache and the meter, which read toolCalling at each call", async () => {
    const s = await Store.open(path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tools-")), "dspx.db"));
    const inner = scheduled(refusingProvider(), []);
    const lm = new MeteredClient(new CachedClient(inner, s.cache), () => {});
    expect(lm.toolCalling).toBe(true);
    await expect(lm.complete(withTools)).rejects.toBeInstanceOf(ToolsUnsupportedError);
    expect(lm.toolCalling).toBe(false);
    await s.flush();
    expect((await s.cache.stats()).entries).toBe(0); // refusals are not cached
    await s.close();
  });

  it("is never assumed of a provider that cannot call tools, nor of sim or a wrapper around a client that does not say", () => {
    expect(scheduled(refusingProvider({ toolCalling: false }), []).toolCalling).toBe(false);
    expect(new SimClient().toolCalling).toBe(false);
    expect(new MeteredClient(new FakeLM(() => "x"), () => {}).toolCalling).toBe(false);
  });

  it("is a LMCallError of kind rejected, so that code unaware of tools treats it as a failed request", () => {
    const err = new ToolsUnsupportedError("x does not support tools");
    expect(err).toBeInstanceOf(LMCallError);
    expect(err.kind).toBe("rejected");
    expect(err.name).toBe("ToolsUnsupportedError");
  });
});

describe("cache keys of tool-calling requests", () => {
  it("are the keys plain requests always had when no tools are offered", () => {
    // Computed by dspx before tool calling existed: caches made then still answer.
    expect(cacheKey(base, client)).toBe("bc19ce336780790a8d7f23eb303898d5e537f8e348550efd18dd4fd1be62b1bb");
    expect(cacheKey({ ...base, toolChoice: "required" }, client)).toBe(cacheKey(base, client));
    expect(cacheKey({ ...base, tools: [], toolChoice: "required" }, client)).toBe(cacheKey(base, client));
  });

  it("change with the tools, the tool choice and the tool fields of the turns", () => {
    const afterCall = (id: string, args: string, result: string): LMRequest => ({
      ...withTools,
      messages: [...base.messages, { role: "assistant", content: "", toolCalls: [{ id, name: "lookup_order", arguments: args }] }, { role: "tool", toolCallId: id, content: result }],
    });
    const variants: LMRequest[] = [
      base,
      withTools,
      { ...withTools, toolChoice: "required" },
      { ...withTools, tools: [{ ...LOOKUP, description: "Find an order." }] },
      { ...withTools, tools: [LOOKUP, { ...LOOKUP, name: "other" }] },
      afterCall("call_1", '{"order_id":"A-1"}', "shipped"),
      afterCall("call_2", '{"order_id":"A-1"}', "shipped"),
      afterCall("call_1", '{"order_id":"A-2"}', "shipped"),
      afterCall("call_1", '{"order_id":"A-1"}', "lost"),
      // A plain assistant turn and a tool-call turn with the same text are different turns.
      { ...withTools, messages: [...base.messages, { role: "assistant", content: "" }] },
      { ...withTools, messages: [...base.messages, { role: "assistant", content: "", toolCalls: [] }] },
    ];
    expect(new Set(variants.map((v) => cacheKey(v, client))).size).toBe(variants.length);
    // "auto" is the default choice: one request.
    expect(cacheKey({ ...withTools, toolChoice: "auto" }, client)).toBe(cacheKey(withTools, client));
    // Equal tools built apart are one key (canonical JSON).
    expect(cacheKey({ ...withTools, tools: [JSON.parse(JSON.stringify(LOOKUP)) as ToolSchema] }, client)).toBe(cacheKey(withTools, client));
  });
});

describe("the cached record of a tool-calling answer", () => {
  const answering = () =>
    new FakeLM(() => "", { id: "openai:gpt-4.1-mini", endpoint: client.endpoint, response: { toolCalls: CALLS, usage: { promptTokens: 10, completionTokens: 3, cachedTokens: 0 }, costUsd: 0.01 } });

  it("keeps the tool calls: a hit returns them, also from a reopened database", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tools-")), "dspx.db");
    const first = Store.open(file);
    const inner = answering();
    const lm = new CachedClient(inner, first.cache);
    expect((await lm.complete(withTools)).toolCalls).toEqual(CALLS);
    expect(await lm.complete(withTools)).toMatchObject({ cached: true, text: "", toolCalls: CALLS });
    await first.close();
    const second = Store.open(file);
    expect(await new CachedClient(inner, second.cache).complete(withTools)).toMatchObject({ cached: true, toolCalls: CALLS, nominalCostUsd: 0.01 });
    expect(inner.calls).toBe(1);
    await second.close();
  });

  it("is asked again when its stored tool calls are damaged", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tools-")), "dspx.db");
    const first = Store.open(file);
    const inner = answering();
    await new CachedClient(inner, first.cache).complete(withTools);
    await first.close();
    const raw = new Database(file);
    raw.prepare("UPDATE lm_cache SET tool_calls = ?").run('[{"id":1}]');
    raw.close();
    const second = Store.open(file);
    expect(await new CachedClient(inner, second.cache).complete(withTools)).toMatchObject({ cached: false, toolCalls: CALLS });
    expect(inner.calls).toBe(2);
    await second.close();
  });

  it("of a plain answer has no tool calls", async () => {
    const s = await Store.open(path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tools-")), "dspx.db"));
    const lm = new CachedClient(new FakeLM(() => "hello", { id: "openai:gpt-4.1-mini" }), s.cache);
    await lm.complete(base);
    const hit = await lm.complete(base);
    expect(hit.cached).toBe(true);
    expect(hit).not.toHaveProperty("toolCalls");
    await s.close();
  });
});

describe("lmCallRecord", () => {
  const response: LMResponse = { text: "", usage: { promptTokens: 5, completionTokens: 2, cachedTokens: 0 }, costUsd: 0, cached: true, nominalCostUsd: 0.02, latencyMs: 0, model: "gpt-4.1-mini" };

  it("records the tools the model called, with what the request and response say", () => {
    expect(lmCallRecord(withTools, { ...response, toolCalls: CALLS })).toEqual({
      model: "openai:gpt-4.1-mini",
      adapter: "chat",
      purpose: "predict",
      usage: response.usage,
      costUsd: 0,
      cached: true,
      nominalCostUsd: 0.02,
      latencyMs: 0,
      text: "",
      toolCalls: CALLS,
      messages: withTools.messages,
    });
  });

  it("records a parse error, and no tool calls for an answer without any", () => {
    const record = lmCallRecord(base, { ...response, text: "garbage", toolCalls: [] }, "no fields");
    expect(record.parseError).toBe("no fields");
    expect(record).not.toHaveProperty("toolCalls");
  });
});

describe("anthropicMessages", () => {
  it("leaves a conversation without tools as plain text turns", () => {
    expect(
      anthropicMessages([
        { role: "system", content: "S" },
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "user", content: "c" },
      ]),
    ).toEqual([
      { role: "user", content: "a" },
      { role: "assistant", content: "b" },
      { role: "user", content: "c" },
    ]);
  });

  it("starts a new user turn for the results of each assistant turn, and sends arguments that are not a JSON object as {}", () => {
    expect(
      anthropicMessages([
        { role: "user", content: "q" },
        { role: "assistant", content: "Looking.", toolCalls: [{ id: "t1", name: "lookup_order", arguments: "{broken" }] },
        { role: "tool", toolCallId: "t1", content: "r1" },
        { role: "assistant", content: "", toolCalls: [{ id: "t2", name: "lookup_order", arguments: "[1]" }] },
        { role: "tool", toolCallId: "t2", content: "r2" },
      ]),
    ).toEqual([
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Looking." },
          { type: "tool_use", id: "t1", name: "lookup_order", input: {} },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "r1" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "t2", name: "lookup_order", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t2", content: "r2" }] },
    ]);
  });
});
