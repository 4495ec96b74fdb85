import { describe, expect, it } from "vitest";
import { simAnswer } from "../../../src/lm/sim/answer.js";
import type { ToolSchema } from "../../../src/lm/tool-types.js";
import type { AgentGrounding, LMRequest, ToolUse } from "../../../src/lm/types.js";
import { parseSignature } from "../../../src/signature/parse.js";
import { request } from "./helpers.js";

/*
 * sim as mipro's grounded proposer for an agent step: shown the step's tools and the teacher's
 * runs (which tools each question got, and whether it passed), it writes tool cue lines in the
 * form the tip asks for, and its agent then follows them.
 */

const TOOLS: ToolSchema[] = [
  {
    name: "lookup_order",
    description: "Look up an order: its status, carrier and items.",
    parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, such as A1042" } }, required: ["order_id"] },
  },
  {
    name: "search_products",
    description: "Find products by name or keyword.",
    parameters: { type: "object", properties: { query: { type: "string", description: "Words to search for" } }, required: ["query"] },
  },
];
const NAMES = [...TOOLS.map((t) => t.name), "finish"].join(", ");
const ACT = `question, trajectory -> next_thought, next_tool_name: enum(${NAMES}), next_tool_args: json`;
const PROPOSER = parseSignature("program_summary, dataset_summary, tools, tool_use, current_instruction, task, examples, tip -> new_instruction");
const TARGET = parseSignature("question -> answer");
const INSTRUCTION = "Answer the customer's question using the tools.";

function use(question: string, tools: string[], passed: boolean): ToolUse {
  return { inputs: { question }, calls: tools.map((tool) => ({ tool, args: tool === "search_products" ? { query: question } : { order_id: "A1" } })), passed };
}

const USES: ToolUse[] = [
  use("Is the Camp Mug dishwasher safe?", ["search_products"], true),
  use("Is the Trail Pot dishwasher safe to clean?", ["search_products"], true),
  use("Which colours does the Summit Jacket come in?", ["search_products"], true),
  use("What is the status of order A1042?", ["lookup_order"], true),
  use("Which carrier delivers order A1050?", ["lookup_order"], true),
  use("When does your support desk open?", [], true),
  // A run that fell short: it says nothing certain about which tool the question needed.
  use("Is the parcel for order A1077 insured?", ["search_products"], false),
];

function propose(tip: string, uses: ToolUse[] = USES, sample = 0): string {
  const agent: AgentGrounding = { tools: TOOLS, uses };
  const req: LMRequest = {
    model: "sim",
    messages: [],
    temperature: sample > 0 ? 1 : 0,
    maxTokens: 512,
    sample,
    meta: {
      purpose: "propose_instruction",
      adapter: "chat",
      signature: PROPOSER,
      instruction: "",
      demos: [],
      inputs: {},
      target: { step: "support", signature: TARGET, instruction: INSTRUCTION, records: [], grounding: { program: "A support agent. It looks things up.", dataset: "", tip, agent } },
    },
  };
  return String(simAnswer(req)["new_instruction"]);
}

function nextTool(instruction: string, question: string): unknown {
  const req = request({ signature: ACT, instruction, inputs: { question, trajectory: "(rendered by the react module)" } });
  req.meta.agent = { phase: "act", tools: TOOLS, trajectory: [], maxIters: 6 };
  return simAnswer(req)["next_tool_name"];
}

const toolLines = (instruction: string) => instruction.split("\n").filter((l) => /lookup_order|search_products/.test(l));

describe("sim proposing an instruction for an agent step from its tools and their use", () => {
  it("writes a cue line per tool from the questions of the passing runs that called it (no ids, no tool-name words)", () => {
    const out = propose("none");
    expect(out.startsWith(`${INSTRUCTION}\n`)).toBe(true);
    const lines = toolLines(out);
    expect(lines).toHaveLength(2);
    const [order, search] = [lines.find((l) => l.startsWith("- lookup_order:"))!, lines.find((l) => l.startsWith("- search_products:"))!];
    expect(search).toMatch(/dishwasher/);
    expect(search).toMatch(/safe/);
    expect(order).toMatch(/status|carrier/);
    expect(out).not.toMatch(/a10\d\d/i);
    expect(order).not.toMatch(/:.*\border\b/);
    // The failed run (search_products for an insurance question) teaches nothing.
    expect(out).not.toMatch(/insured|parcel/);
  });

  it("changes form with the tip: words per tool and the line's form", () => {
    const plain = toolLines(propose("none"));
    const simple = toolLines(propose("simple"));
    const creative = toolLines(propose("creative"));
    const stakes = toolLines(propose("high_stakes"));
    const words = (line: string) => line.replace(/^- \S+: /, "").split(", ").length;
    expect(simple.every((l) => words(l) <= 3)).toBe(true);
    expect(Math.max(...plain.map(words))).toBeGreaterThan(3);
    expect(Math.max(...stakes.map(words))).toBeGreaterThan(Math.max(...plain.map(words)));
    expect(creative).toContainEqual(expect.stringMatching(/^Call search_products for questions about .*dishwasher.*\.$/));
    expect(new Set([plain, simple, creative, stakes].map((l) => l.join("\n"))).size).toBe(4);
  });

  it("learns nothing without passing runs, and differs by sample at temperature 1", () => {
    expect(toolLines(propose("none", USES.map((u) => ({ ...u, passed: false }))))).toEqual([]);
    expect(toolLines(propose("none", []))).toEqual([]);
    const samples = new Set([1, 2, 3, 4].map((s) => propose("high_stakes", USES, s)));
    expect(samples.size).toBeGreaterThan(1);
  });

  it("its agent follows the lines it wrote, in either form, where the plain instruction does not call the tool", () => {
    const question = "Is the Steel Bottle dishwasher safe?";
    expect(nextTool(INSTRUCTION, question)).toBe("finish");
    for (const tip of ["none", "simple", "creative", "persona"]) expect(nextTool(propose(tip), question), tip).toBe("search_products");
  });
});
