import { describe, expect, it } from "vitest";
import { renderNative } from "../../src/adapters/react-native.js";
import { extractCall, parseAct, renderAct, type AgentCall, type AgentDemo } from "../../src/adapters/react-text.js";
import { chatAdapter } from "../../src/adapters/chat.js";
import type { ToolSchema, TrajectoryStep } from "../../src/lm/tool-types.js";
import type { ChatMessage } from "../../src/lm/types.js";
import { parseSignature } from "../../src/signature/parse.js";

/**
 * Golden files of the agent text protocol: the act and extraction prompts are compared with
 * test/adapters/fixtures/react/*.txt (vitest -u rewrites them; read the diff before committing).
 */

const TOOLS: ToolSchema[] = [
  {
    name: "lookup_order",
    description: "Look up an order by its id: status, items, tracking number.",
    parameters: { type: "object", required: ["order_id"], properties: { order_id: { type: "string", description: "An order id such as A1234" } } },
  },
  { name: "search_policy", description: "Search the shop's policies.", parameters: { type: "object", properties: { query: { type: "string" } } } },
];

const SIG = (() => {
  const sig = parseSignature("question -> answer, order_status: enum(pending, shipped, delivered, unknown)");
  sig.inputs[0]!.desc = "The customer's question";
  return sig;
})();

const SO_FAR: TrajectoryStep[] = [
  { thought: "I need the order.", tool: "lookup_order", args: { order_id: "A12" }, observation: '{"status":"shipped","tracking":"ZX9"}', usage: { promptTokens: 5, completionTokens: 2, cachedTokens: 0 }, lmLatencyMs: 4, toolLatencyMs: 1 },
  { thought: "Check the\nreturns policy.", tool: "search_policy", args: { query: "returns", limit: 2 }, observation: "Returns within 30 days.\nRefunds in 5 days.", toolLatencyMs: 2 },
  { thought: "Try another tool.", tool: "find_order", args: {}, observation: 'there is no tool "find_order"; choose one of: lookup_order, search_policy, finish', error: 'there is no tool "find_order"; choose one of: lookup_order, search_policy, finish' },
];

const DEMOS: AgentDemo[] = [
  {
    fields: { question: "Has B7 shipped?", answer: "Yes, B7 shipped.", order_status: "shipped" },
    trajectory: [
      { thought: "Look up B7.", tool: "lookup_order", args: { order_id: "B7" }, observation: '{"status":"shipped"}' },
      { thought: "It shipped.", tool: "finish", args: {}, observation: "" },
    ],
  },
  // A labeled demo without a trajectory: only the extraction shows it.
  { fields: { question: "What is your name?", answer: "The shop assistant.", order_status: "unknown" }, trajectory: [] },
];

const CALL: AgentCall = {
  signature: SIG,
  instruction: "Answer the customer's question about their order.\n- lookup_order: order, tracking, parcel",
  demos: DEMOS,
  inputs: { question: "Where is my order A12, and can I return it?" },
  tools: TOOLS,
  trajectory: SO_FAR,
  maxIters: 5,
};

/** Messages as a readable golden text. */
function asText(messages: readonly ChatMessage[]): string {
  return messages
    .map((m) => {
      const head = `=== ${m.role}${m.toolCallId ? ` (answers ${m.toolCallId})` : ""} ===`;
      const calls = (m.toolCalls ?? []).map((c) => `→ call ${c.id}: ${c.name} ${c.arguments}`);
      return [head, m.content, ...calls].filter((p) => p !== "").join("\n");
    })
    .join("\n\n") + "\n";
}

describe("agent text protocol: rendering (golden files)", () => {
  it("renders an act call: tools listed with their parameters, demo trajectories, the trajectory so far", async () => {
    await expect(asText(renderAct(CALL))).toMatchFileSnapshot("fixtures/react/act.txt");
  });

  it("renders the first act call with an empty trajectory and no demos", async () => {
    await expect(asText(renderAct({ ...CALL, demos: [], trajectory: [], instruction: "" }))).toMatchFileSnapshot("fixtures/react/act-first.txt");
  });

  it("renders the extraction call: chain of thought over the inputs and the whole trajectory", async () => {
    const ex = extractCall(CALL);
    const { messages } = chatAdapter.render({ signature: ex.signature, instruction: CALL.instruction, demos: ex.demos, inputs: ex.inputs }, { structuredOutput: false });
    await expect(asText(messages)).toMatchFileSnapshot("fixtures/react/extract.txt");
  });

  it("renders a native act call: demos and the trajectory as tool-call turns", async () => {
    // The third step named a tool not offered: it has no call to answer, and goes back as text.
    const steps = SO_FAR.map((step, i) => (i < 2 ? { step, callId: `call_${i + 1}` } : { step }));
    const { messages, tools } = renderNative({ ...CALL, steps });
    expect(tools.map((t) => t.name)).toEqual(["lookup_order", "search_policy", "finish"]);
    await expect(asText(messages)).toMatchFileSnapshot("fixtures/react/native.txt");
  });

  it("is deterministic: argument keys in any order render the same", () => {
    const shuffled = SO_FAR.map((s) => ({ ...s, args: Object.fromEntries(Object.entries(s.args).reverse()) }));
    expect(renderAct({ ...CALL, trajectory: shuffled })).toEqual(renderAct(CALL));
  });
});

describe("agent text protocol: parsing (golden completions)", () => {
  const names = TOOLS.map((t) => t.name);
  const cases: [string, string][] = [
    ["a well-formed answer", "[[ ## next_thought ## ]]\nI need the order.\n\n[[ ## next_tool_name ## ]]\nlookup_order\n\n[[ ## next_tool_args ## ]]\n{\"order_id\": \"A12\"}\n\n[[ ## completed ## ]]"],
    ["loose markers, a quoted name in another case, arguments in a code fence", "Sure.\n[[## Next_Thought ##]] Look it up. [[ ## NEXT_TOOL_NAME ## ]] `Lookup_Order`\n[[ ## next_tool_args ## ]]\n```json\n{\"order_id\": \"A12\"}\n```"],
    ["finish with no arguments", "[[ ## next_thought ## ]]\nDone.\n\n[[ ## next_tool_name ## ]]\nfinish\n\n[[ ## completed ## ]]"],
    ["an unknown tool", "[[ ## next_thought ## ]]\nx\n\n[[ ## next_tool_name ## ]]\nweb_search\n\n[[ ## next_tool_args ## ]]\n{}"],
    ["arguments that are not JSON", "[[ ## next_thought ## ]]\nx\n\n[[ ## next_tool_name ## ]]\nlookup_order\n\n[[ ## next_tool_args ## ]]\norder_id=A12"],
    ["arguments that are a list", "[[ ## next_tool_name ## ]]\nlookup_order\n\n[[ ## next_tool_args ## ]]\n[\"A12\"]"],
    ["no tool field", "[[ ## next_thought ## ]]\nI am not sure."],
    ["no structure at all", "The order shipped yesterday."],
  ];

  it("reads each golden completion as an action, or says what was wrong", async () => {
    const read = cases.map(([what, completion]) => `## ${what}\n${completion}\n→ ${JSON.stringify(parseAct(completion, names))}`).join("\n\n");
    await expect(`${read}\n`).toMatchFileSnapshot("fixtures/react/parse.txt");
  });
});
