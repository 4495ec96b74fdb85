import { describe, expect, it } from "vitest";
import type { AgentMeta, ToolSchema, TrajectoryStep } from "../../../src/lm/tool-types.js";
import type { Demo } from "../../../src/program/types.js";
import { simAnswer } from "../../../src/lm/sim/answer.js";
import { request } from "./helpers.js";

const TOOLS: ToolSchema[] = [
  {
    name: "lookup_order",
    description: "Look up an order: its status, carrier, delivery date and the items in it.",
    parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, such as A1042" } }, required: ["order_id"] },
  },
  {
    name: "get_product",
    description: "Details of a product: price, category, warranty and stock.",
    parameters: { type: "object", properties: { product_id: { type: "string", description: "The product id, such as P-301" } }, required: ["product_id"] },
  },
  {
    name: "search_products",
    description: "Find products by name or keyword.",
    parameters: { type: "object", properties: { query: { type: "string", description: "Words to search for" } }, required: ["query"] },
  },
  {
    name: "find_policy",
    description: "The shop's policy on returns, refunds, shipping or exchanges.",
    parameters: {
      type: "object",
      properties: {
        topic: { type: "string", description: "What the policy question is about" },
        category: { type: "string", enum: ["kitchen", "apparel", "electronics"], description: "The product category, when it matters" },
      },
      required: ["topic"],
    },
  },
  {
    name: "reserve_units",
    description: "Reserve units of a product for pickup in the store.",
    parameters: {
      type: "object",
      properties: { product_id: { type: "string", description: "The product id, such as P-301" }, quantity: { type: "integer", description: "How many units" } },
      required: ["product_id", "quantity"],
    },
  },
];
const NAMES = [...TOOLS.map((t) => t.name), "finish"].join(", ");
const ACT = `question, trajectory -> next_thought, next_tool_name: enum(${NAMES}), next_tool_args: json`;

const ORDER_A1042 = JSON.stringify({
  order_id: "A1042",
  status: "shipped",
  carrier: "Parcelo",
  items: [
    { product_id: "P-118", name: "Camp Mug", quantity: 2 },
    { product_id: "P-301", name: "Trail Kettle", quantity: 1 },
  ],
});
const KETTLE = JSON.stringify({ product_id: "P-301", name: "Trail Kettle", category: "kitchen", price: 39.5, warranty_months: 24 });

function step(tool: string, args: Record<string, unknown>, observation: string): TrajectoryStep {
  return { thought: "", tool, args, observation };
}

interface AgentCall {
  question: string;
  trajectory?: TrajectoryStep[];
  instruction?: string;
  demos?: Demo[];
  phase?: AgentMeta["phase"];
  maxIters?: number;
  signature?: string;
}

function ask(call: AgentCall): Record<string, unknown> {
  const req = request({
    signature: call.signature ?? (call.phase === "extract" ? "question, trajectory -> answer" : ACT),
    instruction: call.instruction ?? "Answer the customer's question using the tools.",
    demos: call.demos ?? [],
    inputs: { question: call.question, trajectory: "(rendered by the react module)" },
  });
  req.meta.agent = { phase: call.phase ?? "act", tools: TOOLS, trajectory: call.trajectory ?? [], maxIters: call.maxIters ?? 6 };
  return simAnswer(req);
}

describe("sim as an agent: choosing the next tool", () => {
  it("calls the tool whose description matches the question, with the order id read from the question", () => {
    const out = ask({ question: "What is the status of order A1042?" });
    expect(out["next_tool_name"]).toBe("lookup_order");
    expect(out["next_tool_args"]).toEqual({ order_id: "A1042" });
    expect(out["next_thought"]).toMatch(/lookup_order/);
  });

  it("chains calls: the product id comes from the order it found, the item the question names first", () => {
    const out = ask({
      question: "How long is the warranty on the kettle from order A1042?",
      trajectory: [step("lookup_order", { order_id: "A1042" }, ORDER_A1042)],
    });
    expect(out["next_tool_name"]).toBe("get_product");
    expect(out["next_tool_args"]).toEqual({ product_id: "P-301" });
    expect(out["next_thought"]).toMatch(/from an earlier observation/);
  });

  it("fills an enum argument from an earlier observation and the query from the question", () => {
    const out = ask({
      question: "Can I still return the P-301 kettle for a refund?",
      trajectory: [step("get_product", { product_id: "P-301" }, KETTLE)],
    });
    expect(out["next_tool_name"]).toBe("find_policy");
    expect(out["next_tool_args"]).toEqual({ topic: "Can I still return the P-301 kettle for a refund?", category: "kitchen" });
  });

  it("fills a number from the question, not from the digits of an id", () => {
    const out = ask({ question: "Please reserve 3 units of P-301 for pickup." });
    expect(out["next_tool_name"]).toBe("reserve_units");
    expect(out["next_tool_args"]).toEqual({ product_id: "P-301", quantity: 3 });
  });

  it("finishes when the observations cover the question", () => {
    const out = ask({
      question: "How long is the warranty on the kettle from order A1042?",
      trajectory: [step("lookup_order", { order_id: "A1042" }, ORDER_A1042), step("get_product", { product_id: "P-301" }, KETTLE)],
    });
    expect(out["next_tool_name"]).toBe("finish");
    expect(out["next_tool_args"]).toEqual({});
  });

  it("never repeats a call it made, and finishes after max_iters", () => {
    const again = ask({ question: "What is the status of order A1042?", trajectory: [step("lookup_order", { order_id: "A1042" }, "timeout")].map((s) => ({ ...s, error: "timed out" })) });
    expect(again["next_tool_args"]).not.toEqual({ order_id: "A1042" });
    const out = ask({ question: "What is the status of order A1042?", maxIters: 1, trajectory: [step("search_products", { query: "x" }, "[]")] });
    expect(out["next_tool_name"]).toBe("finish");
  });

  it("skips a tool whose required argument it cannot fill (no order id anywhere)", () => {
    const out = ask({ question: "Which carrier ships my order?" });
    expect(out["next_tool_name"]).not.toBe("lookup_order");
  });

  it("a cue line in the instruction makes it use a tool the description does not suggest", () => {
    const question = "Is the Trail Kettle dishwasher safe?";
    const plain = ask({ question });
    expect(plain["next_tool_name"]).toBe("finish");
    const cued = ask({ question, instruction: "Answer the customer's question using the tools.\n- search_products: dishwasher, safe, material" });
    expect(cued["next_tool_name"]).toBe("search_products");
    expect(cued["next_tool_args"]).toEqual({ query: question });
  });

  it("a demo trajectory for a similar question makes it follow the same path", () => {
    const question = "Is the Trail Kettle dishwasher safe?";
    const demo: Demo = {
      question: "Is the Camp Mug dishwasher safe?",
      answer: "dishwasher safe: yes",
      trajectory: [step("search_products", { query: "Camp Mug dishwasher" }, "[]"), step("finish", {}, "")],
    };
    expect(ask({ question, demos: [demo] })["next_tool_name"]).toBe("search_products");
    // Once the demo's tools have all been called, the same demo votes for finishing.
    const after = ask({ question, demos: [demo], trajectory: [step("search_products", { query: question }, '[{"name":"Trail Kettle"}]')] });
    expect(after["next_tool_name"]).toBe("finish");
  });

  it("reads the act outputs by type whatever they are called, and is deterministic", () => {
    const signature = `question, trajectory -> idea, action: enum(${NAMES}), params: json`;
    const a = ask({ question: "What is the status of order A1042?", signature });
    expect(a).toEqual(ask({ question: "What is the status of order A1042?", signature }));
    expect(a["action"]).toBe("lookup_order");
    expect(a["params"]).toEqual({ order_id: "A1042" });
    expect(typeof a["idea"]).toBe("string");
  });
});

describe("sim as an agent: the final answer", () => {
  it("answers with the observation line that covers the question", () => {
    const out = ask({
      phase: "extract",
      question: "How long is the warranty on the kettle from order A1042?",
      trajectory: [step("lookup_order", { order_id: "A1042" }, ORDER_A1042), step("get_product", { product_id: "P-301" }, KETTLE)],
    });
    expect(out["answer"]).toBe("warranty months: 24");
  });

  it("answers a question no tool is needed for from the instruction's own sentences", () => {
    const instruction = "Answer the customer's question using the tools. Our support desk is open Monday to Friday, 9:00 to 17:00.";
    const question = "When is the support desk open?";
    expect(ask({ question, instruction })["next_tool_name"]).toBe("finish");
    expect(ask({ phase: "extract", question, instruction })["answer"]).toBe("Our support desk is open Monday to Friday, 9:00 to 17:00.");
  });

  it("quotes the line a similar demo's answer quotes when the question alone does not decide", () => {
    const trajectory = [step("lookup_order", { order_id: "A1042" }, JSON.stringify({ delivery_carrier: "Parcelo", delivery_date: "2026-11-04" }))];
    const question = "What about the delivery of order A1042?";
    expect(ask({ phase: "extract", question, trajectory })["answer"]).toBe("delivery carrier: Parcelo");
    const demo: Demo = { question: "Tell me about the delivery of my order A1001", answer: "delivery date: 2026-10-06", trajectory: [] };
    expect(ask({ phase: "extract", question, trajectory, demos: [demo] })["answer"]).toBe("delivery date: 2026-11-04");
  });

  it("fills reasoning with the evidence it used, and numbers from the best line", () => {
    const out = ask({
      phase: "extract",
      signature: "question, trajectory -> reasoning, months: integer",
      question: "How many months of warranty does the kettle have?",
      trajectory: [step("get_product", { product_id: "P-301" }, KETTLE)],
    });
    expect(out["months"]).toBe(24);
    expect(out["reasoning"]).toMatch(/observation 1 says "warranty months: 24"/);
  });
});

describe("sim as an agent: obeying what its reflection wrote", () => {
  it("a cue line learned from feedback on trajectories sends the next question to the tool it lacked", () => {
    const question = "What is the kettle from order A1042 made of?";
    const first = [step("lookup_order", { order_id: "A1042" }, ORDER_A1042)];
    expect(ask({ question, trajectory: first })["next_tool_name"]).toBe("finish");
    const records = ["What is the jacket from order A1002 made of?", "What is the stand in order A1030 made of?"].map((q) => ({
      inputs: { question: q },
      outputs: { answer: "items: …" },
      score: 0,
      trajectory: [step("lookup_order", {}, "{}")],
      feedback: "answer: expected nylon; tools: expected lookup_order, get_product; called lookup_order",
    }));
    const reflected = simAnswer(
      request({ purpose: "reflect", signature: "current_instruction, examples -> new_instruction", target: { signature: "question -> answer", instruction: "Answer with the tools.", records } }),
    )["new_instruction"] as string;
    expect(reflected).toMatch(/^- get_product: .*made/m);
    const out = ask({ question, trajectory: first, instruction: reflected });
    expect(out["next_tool_name"]).toBe("get_product");
    expect(out["next_tool_args"]).toEqual({ product_id: "P-301" });
  });
});
