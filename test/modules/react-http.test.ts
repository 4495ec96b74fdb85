import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LMPool } from "../../src/lm/pool.js";
import { reactModule } from "../../src/modules/react.js";
import type { AgentLimits } from "../../src/modules/react-loop.js";
import type { ModuleRunArgs } from "../../src/modules/types.js";
import type { LMClient } from "../../src/lm/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import { startMockProvider, type MockProvider, type MockRequest, type MockReply } from "../support/mock-provider.js";
import { FakeTools } from "../support/fake-tools.js";

/**
 * The react loop over real HTTP against the mock provider: native tool calls through an
 * OpenAI-compatible endpoint, and a server that refuses `tools`, after which the agent speaks the
 * text protocol to it (one notice, nothing refused twice).
 */

const SIG = parseSignature("question -> answer");
const tools = () => new FakeTools([{ name: "lookup_order", description: "Look up an order by its id", parameters: { type: "object", properties: { order_id: { type: "string" } } }, run: (a) => `${String(a.order_id)}: shipped` }]);
const args = (lm: LMClient, t: FakeTools): ModuleRunArgs<AgentLimits> => ({
  step: "agent",
  signature: SIG,
  prepared: { maxIters: 4, maxObservationChars: 2000 },
  state: { instruction: "Answer.", demos: [] },
  inputs: { question: "Where is A1?" },
  runtime: { lm, temperature: 0, maxTokens: 200, sample: 0 },
  tools: t,
});

/** Text protocol answers: look up, then finish, then the extraction. */
function textAgent(req: MockRequest): MockReply {
  const last = req.messages.at(-1)!.content;
  if (last.includes("[[ ## reasoning ## ]]")) return { kind: "text", text: "[[ ## reasoning ## ]]\nlooked up\n\n[[ ## answer ## ]]\nA1 shipped\n\n[[ ## completed ## ]]" };
  if (last.includes("observation: A1: shipped")) return { kind: "text", text: "[[ ## next_thought ## ]]\ndone\n\n[[ ## next_tool_name ## ]]\nfinish\n\n[[ ## next_tool_args ## ]]\n{}\n\n[[ ## completed ## ]]" };
  return { kind: "text", text: '[[ ## next_thought ## ]]\nlook\n\n[[ ## next_tool_name ## ]]\nlookup_order\n\n[[ ## next_tool_args ## ]]\n{"order_id": "A1"}\n\n[[ ## completed ## ]]' };
}

describe("react over HTTP", () => {
  let mock: MockProvider;
  let refusing: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider();
    refusing = await startMockProvider({ rejectTools: "ollama" });
  });
  afterAll(async () => {
    await mock.close();
    await refusing.close();
  });
  beforeEach(() => {
    mock.reset();
    refusing.reset();
  });

  it("calls tools natively on an endpoint that takes them", async () => {
    mock.setResponder((req) => {
      if (!req.body.tools) return { kind: "text", text: "[[ ## reasoning ## ]]\nr\n\n[[ ## answer ## ]]\nA1 shipped\n\n[[ ## completed ## ]]" };
      const answered = req.body.messages.some((m: { role: string }) => m.role === "tool");
      return { kind: "tool_calls", calls: [answered ? { name: "finish", arguments: {} } : { name: "lookup_order", arguments: { order_id: "A1" } }] };
    });
    const pool = new LMPool({ override: "ollama:llama3", cache: false }, { env: { OLLAMA_BASE_URL: mock.openaiBaseUrl } });
    const t = tools();
    const out = await reactModule.run(args(pool.clientFor(), t));
    expect(out.outputs).toEqual({ answer: "A1 shipped" });
    expect(t.calls).toEqual([{ name: "lookup_order", args: { order_id: "A1" } }]);
    expect(mock.requests.map((r) => (r.body.tools ? r.body.tools.map((x: { function: { name: string } }) => x.function.name).join(",") : "none"))).toEqual(["lookup_order,finish", "lookup_order,finish", "none"]);
  });

  it("falls back to the text protocol when the server refuses tools, once, with a notice", async () => {
    refusing.setResponder(textAgent);
    const notices: string[] = [];
    const pool = new LMPool({ override: "ollama:llama3", cache: false }, { env: { OLLAMA_BASE_URL: refusing.openaiBaseUrl }, onNotice: (m) => notices.push(m) });
    const lm = pool.clientFor();
    const t = tools();
    const out = await reactModule.run(args(lm, t));
    expect(out.outputs).toEqual({ answer: "A1 shipped" });
    expect(t.calls).toHaveLength(1);
    expect(out.trajectory!.map((s) => s.tool)).toEqual(["lookup_order", "finish"]);
    expect(refusing.requests.map((r) => Boolean(r.body.tools))).toEqual([true, false, false, false]);
    expect(notices).toHaveLength(1);
    await reactModule.run(args(lm, tools()));
    expect(refusing.requests.slice(4).some((r) => r.body.tools)).toBe(false);
  });
});
