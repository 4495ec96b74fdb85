import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findPolicy } from "../../programs/tools/policy.mjs";
import * as shop from "../../programs/tools/shop.js";
import { orderAgentMetric } from "../../programs/order-agent-metric.js";
import { ROOT } from "../support/cli.js";

/*
 * The order-agent tasks are hand-written; this checks them against the shop: every gold tool path
 * runs, and its last answer (or, for a question no tool is for, the program's instruction) holds
 * the gold answer, so the metric can be met.
 */
interface Task {
  id: string;
  question: string;
  answer: string;
  trajectory: { tool: string; args: Record<string, unknown> }[];
}

const read = (split: string): Task[] =>
  readFileSync(path.join(ROOT, "datasets/order-agent", `${split}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Task);
const splits = { train: read("train"), dev: read("dev"), test: read("test") };
const all = [...splits.train, ...splits.dev, ...splits.test];
const instruction = readFileSync(path.join(ROOT, "programs/order-agent.yaml"), "utf8");

const TOOLS: Record<string, (args: Record<string, unknown>) => unknown> = {
  lookup_order: (a) => shop.lookupOrder.run(a),
  get_product: (a) => shop.getProduct.run(a),
  search_products: (a) => shop.searchProducts.run(a),
  find_customer: (a) => shop.findCustomer.run(a),
  find_policy: (a) => findPolicy(String(a["topic"]), a["category"] as string | undefined),
};

describe("the order-agent dataset", () => {
  it("has at least 150 tasks with unique ids: some need no tool, most one, many two or three chained calls", () => {
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    const byCalls = (n: (k: number) => boolean) => all.filter((t) => n(t.trajectory.length)).length;
    expect(byCalls((k) => k === 0)).toBeGreaterThanOrEqual(10);
    expect(byCalls((k) => k === 1)).toBeGreaterThan(all.length / 2);
    expect(byCalls((k) => k >= 2)).toBeGreaterThanOrEqual(40);
    expect(all.filter((t) => t.trajectory.map((s) => s.tool).join(">") === "lookup_order>get_product>find_policy").length).toBeGreaterThanOrEqual(10);
  });

  it("every gold path runs and its last answer holds the gold answer (the instruction, for no-tool tasks)", () => {
    const misses: string[] = [];
    for (const task of all) {
      let last = instruction;
      for (const call of task.trajectory) last = JSON.stringify(TOOLS[call.tool]!(call.args));
      // The metric itself decides: a prediction that quotes the source in full scores 1.
      if (orderAgentMetric({ ...task }, { answer: last }, []).score !== 1) misses.push(`${task.id}: ${task.answer}`);
    }
    expect(misses).toEqual([]);
  });

  it("the metric's feedback names the gold tools and the ones called, which reflection reads", () => {
    const task = splits.dev.find((t) => t.trajectory.length === 3)!;
    const r = orderAgentMetric({ ...task }, { answer: "no idea" }, [{ trajectory: [{ tool: "lookup_order" }, { tool: "find_policy", error: "bad args" }, { tool: "finish" }] }]);
    expect(r.score).toBe(0);
    expect(r.feedback).toBe(`answer: expected it to contain "${task.answer}", got "no idea"; tools: expected lookup_order, get_product, find_policy; called lookup_order`);
  });
});
