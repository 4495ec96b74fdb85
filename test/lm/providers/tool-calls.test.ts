import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LMCallError, ToolsUnsupportedError } from "../../../src/lm/call-error.js";
import { LMPool } from "../../../src/lm/pool.js";
import { AnthropicProvider } from "../../../src/lm/providers/anthropic.js";
import { OpenAIProvider } from "../../../src/lm/providers/openai.js";
import type { ProviderClient } from "../../../src/lm/providers/types.js";
import type { ToolSchema } from "../../../src/lm/tool-types.js";
import type { ChatMessage, LMRequest } from "../../../src/lm/types.js";
import { Store } from "../../../src/store/store.js";
import { lmRequest } from "../../support/lm-request.js";
import { startMockProvider, toolCallResponder, type MockProvider, type MockToolRefusal } from "../../support/mock-provider.js";

/**
 * Native tool calling over real HTTP: dspx's providers through the official SDKs against the mock
 * provider, in both wire formats, and a server that refuses `tools` through the pool.
 */

const LOOKUP: ToolSchema = {
  name: "lookup_order",
  description: "Look up an order by its id.",
  parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id" } }, required: ["order_id"] },
};
const POLICY: ToolSchema = { name: "find_policy", description: "Find a policy by topic.", parameters: { type: "object", properties: { topic: { type: "string" } } } };

const question: ChatMessage[] = [
  { role: "system", content: "You are a support agent." },
  { role: "user", content: "Where is order A-1001?" },
];
const asking: LMRequest = lmRequest(question, { tools: [LOOKUP, POLICY] });

/** The conversation after the model called both tools and got their results. */
const afterCalls: ChatMessage[] = [
  ...question,
  {
    role: "assistant",
    content: "",
    toolCalls: [
      { id: "call_1", name: "lookup_order", arguments: '{"order_id":"A-1001"}' },
      { id: "call_2", name: "find_policy", arguments: '{"topic":"returns"}' },
    ],
  },
  { role: "tool", toolCallId: "call_1", content: "A-1001: shipped 2 May" },
  { role: "tool", toolCallId: "call_2", content: "Returns within 30 days." },
];

const context = { signal: undefined, timeoutMs: 60_000 };

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const openai = (official = true, baseURL = mock.openaiBaseUrl) =>
  new OpenAIProvider({ provider: "openai", model: "gpt-4.1-mini", apiKey: "sk-test", baseURL, official, structuredOutput: official, prices: undefined });
const anthropic = (baseURL = mock.anthropicBaseUrl) => new AnthropicProvider({ model: "claude-haiku-4-5", apiKey: "sk-ant-test", baseURL, prices: undefined });

describe("OpenAI native tool calls", () => {
  it("sends the tools as functions with tool_choice, to OpenAI and to a compatible server alike", async () => {
    mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1001" } }] }));
    for (const [official, choice] of [[true, "required"], [false, undefined]] as const) {
      mock.reset();
      mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1001" } }] }));
      await openai(official).attempt({ ...asking, ...(choice ? { toolChoice: choice } : {}) }, context);
      const body = mock.requests[0]!.body;
      expect(body.tools).toEqual([
        { type: "function", function: { name: "lookup_order", description: "Look up an order by its id.", parameters: LOOKUP.parameters } },
        { type: "function", function: { name: "find_policy", description: "Find a policy by topic.", parameters: POLICY.parameters } },
      ]);
      expect(body.tool_choice).toBe(choice ?? "auto");
    }
  });

  it("sends no tools and no tool_choice when the request offers none (an empty list is none: servers refuse tools: [])", async () => {
    await openai().attempt({ ...asking, tools: undefined }, context);
    await openai().attempt({ ...asking, tools: [], toolChoice: "required" }, context);
    await anthropic().attempt({ ...asking, tools: [], toolChoice: "required" }, context);
    for (const sent of mock.requests) {
      expect(sent.body).not.toHaveProperty("tools");
      expect(sent.body).not.toHaveProperty("tool_choice");
    }
    expect(mock.requests).toHaveLength(3);
  });

  it("reads Ollama's refusal in its native error shape ({ error: \"…\" }) as a ToolsUnsupportedError too", async () => {
    mock.setResponder(() => ({ kind: "malformed", status: 400, body: JSON.stringify({ error: "registry.ollama.ai/library/qwen:4b does not support tools" }) }));
    const err = await openai(false).attempt(asking, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolsUnsupportedError);
  });

  it("reads message.tool_calls into toolCalls; a reply with calls and no content is not malformed", async () => {
    mock.setResponder(
      toolCallResponder({
        calls: [
          { id: "call_a", name: "lookup_order", arguments: { order_id: "A-1001" } },
          { id: "call_b", name: "find_policy", arguments: '{"topic": "retu' },
        ],
      }),
    );
    const r = await openai().attempt(asking, context);
    expect(r.value.text).toBe("");
    expect(r.value.toolCalls).toEqual([
      { id: "call_a", name: "lookup_order", arguments: '{"order_id":"A-1001"}' },
      // Broken JSON from the model is kept as written: checking it is the agent's business.
      { id: "call_b", name: "find_policy", arguments: '{"topic": "retu' },
    ]);
    expect(mock.requests[0]!.body.messages).toHaveLength(2);
  });

  it("keeps the text written beside the calls", async () => {
    mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1" } }], text: "Let me look." }));
    const r = await openai().attempt(asking, context);
    expect(r.value.text).toBe("Let me look.");
    expect(r.value.toolCalls?.map((c) => c.name)).toEqual(["lookup_order"]);
  });

  it("sends the assistant's calls and each tool result as tool turns, and reads the final text", async () => {
    mock.setResponder(toolCallResponder({ calls: [], answer: "It shipped on 2 May." }));
    const r = await openai().attempt({ ...asking, messages: afterCalls }, context);
    expect(r.value.text).toBe("It shipped on 2 May.");
    expect(r.value.toolCalls).toBeUndefined();
    const sent = mock.requests[0]!.body.messages;
    expect(sent.slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "lookup_order", arguments: '{"order_id":"A-1001"}' } },
          { id: "call_2", type: "function", function: { name: "find_policy", arguments: '{"topic":"returns"}' } },
        ],
      },
      { role: "tool", content: "A-1001: shipped 2 May", tool_call_id: "call_1" },
      { role: "tool", content: "Returns within 30 days.", tool_call_id: "call_2" },
    ]);
  });

  it("still calls a reply with neither text nor calls malformed", async () => {
    mock.setResponder(() => ({ kind: "tool_calls", calls: [] }));
    const err = await openai().attempt(asking, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LMCallError);
    expect((err as LMCallError).kind).toBe("transient");
  });
});

describe("Anthropic native tool calls", () => {
  it("sends the tools with input_schema, tool_choice any for required and auto otherwise", async () => {
    for (const [choice, wire] of [["required", { type: "any" }], ["auto", { type: "auto" }], [undefined, { type: "auto" }]] as const) {
      mock.reset();
      mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1001" } }] }));
      await anthropic().attempt({ ...asking, ...(choice ? { toolChoice: choice } : {}) }, context);
      const body = mock.requests[0]!.body;
      expect(body.tools).toEqual([
        { name: "lookup_order", description: "Look up an order by its id.", input_schema: LOOKUP.parameters },
        { name: "find_policy", description: "Find a policy by topic.", input_schema: POLICY.parameters },
      ]);
      expect(body.tool_choice).toEqual(wire);
    }
  });

  it("reads tool_use blocks into toolCalls (arguments: the input as JSON text) and the text block beside them", async () => {
    mock.setResponder(
      toolCallResponder({
        calls: [
          { id: "toolu_1", name: "lookup_order", arguments: { order_id: "A-1001" } },
          { id: "toolu_2", name: "find_policy", arguments: { topic: "returns" } },
        ],
        text: "Checking.",
      }),
    );
    const r = await anthropic().attempt(asking, context);
    expect(r.value.text).toBe("Checking.");
    expect(r.value.toolCalls).toEqual([
      { id: "toolu_1", name: "lookup_order", arguments: '{"order_id":"A-1001"}' },
      { id: "toolu_2", name: "find_policy", arguments: '{"topic":"returns"}' },
    ]);
  });

  it("answers with calls and no text without calling it empty", async () => {
    mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1" } }] }));
    const r = await anthropic().attempt(asking, context);
    expect(r.value.text).toBe("");
    expect(r.value.toolCalls).toHaveLength(1);
  });

  it("sends calls as tool_use blocks and consecutive tool results as one user turn of tool_result blocks", async () => {
    mock.setResponder(toolCallResponder({ calls: [], answer: "It shipped on 2 May." }));
    const follow: ChatMessage = { role: "user", content: "Answer now." };
    const r = await anthropic().attempt({ ...asking, messages: [...afterCalls, follow] }, context);
    expect(r.value.text).toBe("It shipped on 2 May.");
    const body = mock.requests[0]!.body;
    expect(body.system).toBe("You are a support agent.");
    expect(body.messages).toEqual([
      { role: "user", content: "Where is order A-1001?" },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "call_1", name: "lookup_order", input: { order_id: "A-1001" } },
          { type: "tool_use", id: "call_2", name: "find_policy", input: { topic: "returns" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "A-1001: shipped 2 May" },
          { type: "tool_result", tool_use_id: "call_2", content: "Returns within 30 days." },
          { type: "text", text: "Answer now." },
        ],
      },
    ]);
  });

  it("does not force the structured-output tool on a request that offers tools", async () => {
    mock.setResponder(toolCallResponder({ calls: [{ name: "lookup_order", arguments: { order_id: "A-1" } }] }));
    await anthropic().attempt({ ...asking, responseFormat: { type: "json_schema", name: "dspx_outputs", schema: { type: "object" } } }, context);
    expect(mock.requests[0]!.body.tools.map((t: { name: string }) => t.name)).toEqual(["lookup_order", "find_policy"]);
  });
});

describe.each<[MockToolRefusal, number]>([
  ["ollama", 400],
  ["llamacpp", 500],
  ["vllm", 400],
])("a server that refuses tools (%s)", (kind, status) => {
  let refusing: MockProvider;
  beforeAll(async () => {
    refusing = await startMockProvider({ rejectTools: kind });
  });
  afterAll(() => refusing.close());
  beforeEach(() => refusing.reset());

  it.each<[string, () => ProviderClient]>([
    ["openai", () => openai(false, refusing.openaiBaseUrl)],
    ["anthropic", () => anthropic(refusing.anthropicBaseUrl)],
  ])("answers %s's request with tools with a ToolsUnsupportedError, not retried, and the same request without tools as usual", async (_name, make) => {
    const err = await make().attempt(asking, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolsUnsupportedError);
    expect(err).toMatchObject({ kind: "rejected", status });
    expect((err as Error).message).toMatch(kind === "ollama" ? /does not support tools/ : kind === "llamacpp" ? /--jinja/ : /enable-auto-tool-choice/);
    const r = await make().attempt({ ...asking, tools: undefined }, context);
    expect(r.value.text).toMatch(/^Mock reply/);
    expect(refusing.requests).toHaveLength(2);
  });
});

describe("the pool and a server that refuses tools", () => {
  let refusing: MockProvider;
  let store: Store;
  beforeAll(async () => {
    refusing = await startMockProvider({ rejectTools: "ollama" });
  });
  afterAll(() => refusing.close());
  beforeEach(async () => {
    refusing.reset();
    store = await Store.open(path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-tools-")), "dspx.db"));
  });
  afterEach(() => store.close());

  const env = () => ({ OLLAMA_BASE_URL: refusing.openaiBaseUrl });

  it("turns toolCalling off for every client of the endpoint, tells one notice, stops nothing and sends nothing more with tools", async () => {
    const notices: string[] = [];
    const pool = new LMPool({ override: "ollama:llama3", cache: true }, { env: env(), cache: store.cache, onNotice: (m) => notices.push(m) });
    const lm = pool.clientFor();
    expect(lm.toolCalling).toBe(true);
    // Two at once: both are refused, the notice is given once.
    const both = await Promise.all([lm.complete(asking).catch((e: unknown) => e), lm.complete({ ...asking, sample: 1 }).catch((e: unknown) => e)]);
    for (const err of both) expect(err).toBeInstanceOf(ToolsUnsupportedError);
    expect(refusing.counts.total).toBe(2);
    expect(lm.toolCalling).toBe(false);
    // Shared by the pools that share the endpoint's client (a teacher's, a replay's).
    expect(pool.withModel("ollama:llama3").clientFor().toolCalling).toBe(false);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^ollama:llama3 @ http:\/\/127\.0\.0\.1:\d+\/v1: the endpoint does not take native tool calls \(ollama 400 api_error: registry\.ollama\.ai\/library\/llama3 does not support tools\); agent steps on it use the text protocol from now on$/);

    // Known now: refused at once, not sent.
    const again = await lm.complete({ ...asking, sample: 2 }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ToolsUnsupportedError);
    expect(refusing.counts.total).toBe(2);
    // Not fatal: the endpoint answers the text protocol's requests.
    const text = await lm.complete({ ...asking, tools: undefined });
    expect(text.text).toMatch(/^Mock reply/);
    expect(notices).toHaveLength(1);
    expect(pool.stats().retries).toBe(0);
  });

  it("a server that takes tools keeps toolCalling on, and a repeated request is answered from the cache with its tool calls", async () => {
    mock.setResponder(toolCallResponder({ calls: [{ id: "call_x", name: "lookup_order", arguments: { order_id: "A-1001" } }] }));
    const pool = new LMPool({ override: "ollama:llama3", cache: true }, { env: { OLLAMA_BASE_URL: mock.openaiBaseUrl }, cache: store.cache });
    const lm = pool.clientFor();
    const first = await lm.complete(asking);
    expect(first.cached).toBe(false);
    expect(first.toolCalls).toEqual([{ id: "call_x", name: "lookup_order", arguments: '{"order_id":"A-1001"}' }]);
    const second = await lm.complete(asking);
    expect(second).toMatchObject({ cached: true, text: "", toolCalls: first.toolCalls });
    expect(mock.counts.total).toBe(1);
    // Other tools, another choice, or a tool turn more: another request.
    await lm.complete({ ...asking, tools: [LOOKUP] });
    await lm.complete({ ...asking, toolChoice: "required" });
    await lm.complete({ ...asking, messages: afterCalls });
    expect(mock.counts.total).toBe(4);
    expect(lm.toolCalling).toBe(true);
  });
});
