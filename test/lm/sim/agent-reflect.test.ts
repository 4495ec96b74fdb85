import { describe, expect, it } from "vitest";
import type { FeedbackRecord } from "../../../src/lm/types.js";
import type { TrajectoryStep } from "../../../src/lm/tool-types.js";
import { expectedTools } from "../../../src/lm/sim/agent-reflect.js";
import { answerOf } from "./helpers.js";

const PROPOSER = "current_instruction, examples -> new_instruction";

function called(...tools: string[]): TrajectoryStep[] {
  return [...tools.map((tool) => ({ thought: "", tool, args: {}, observation: "{}" })), { thought: "", tool: "finish", args: {}, observation: "" }];
}

function record(question: string, score: number, trajectory: TrajectoryStep[], feedback?: string): FeedbackRecord {
  return { inputs: { question }, outputs: { answer: "x" }, expected: { answer: "y" }, score, trajectory, ...(feedback ? { feedback } : {}) };
}

function reflect(instruction: string, records: FeedbackRecord[]): string {
  return answerOf("new_instruction", { purpose: "reflect", signature: PROPOSER, target: { signature: "question -> answer", instruction, records } }) as string;
}

describe("sim reflecting on an agent step", () => {
  it("adds a cue line for a tool the feedback says was needed and not called, from the questions' words (no ids)", () => {
    const records = [
      record("What material is the tent from order A1003 made of?", 0, called("lookup_order"), "answer: expected nylon; tools: expected lookup_order, get_product; called lookup_order"),
      record("What material is the mug in order A1020 made of?", 0, called("lookup_order"), "answer: expected steel; tools: expected lookup_order, get_product; called lookup_order"),
      record("Which carrier has order A1012?", 1, called("lookup_order"), "answer: contains Bring; tools: expected lookup_order; called lookup_order"),
    ];
    const out = reflect("Answer with the tools.", records);
    expect(out.split("\n")).toEqual(["Answer with the tools.", "- get_product: material, made, tent, mug"]);
  });

  it("without feedback on tools, learns a tool's words from the questions it answered fully with it", () => {
    const records = [
      record("How much does the Trail Kettle cost?", 1, called("search_products")),
      record("How much is the Solar Power Bank?", 1, called("search_products")),
      record("When is support open?", 0, called()),
    ];
    expect(reflect("Answer.", records)).toMatch(/^Answer\.\n- search_products: much, /);
  });

  it("drops a tool's cue words that sent it to that tool where another was expected, and adds no word limit", () => {
    const records = [
      record("How long is the warranty on the Trail Kettle?", 0, called("find_policy"), "tools: expected search_products, get_product; called find_policy"),
      record("What is the warranty on the tent?", 0, called("find_policy"), "tools: expected search_products, get_product; called find_policy"),
      record("How do I make a warranty claim?", 1, called("find_policy"), "tools: expected find_policy; called find_policy"),
    ];
    const out = reflect("Answer.\n- find_policy: warranty, claim", records);
    expect(out).toContain("- find_policy: claim");
    expect(out).not.toMatch(/find_policy:[^\n]*warranty/);
    // "warranty" is also in the claim question, where find_policy was right: it sets nothing apart.
    expect(out).toContain("- search_products: long, trail, kettle, tent");
    expect(out).not.toMatch(/at most \d+ words/);
  });

  it("reads the expected tools from feedback in either order of words", () => {
    expect(expectedTools("answer: expected 24; tools: expected lookup_order, get_product; called lookup_order")).toEqual(["lookup_order", "get_product"]);
    expect(expectedTools("expected tools: lookup_order → get_product → find_policy")).toEqual(["lookup_order", "get_product", "find_policy"]);
    expect(expectedTools("tools: expected none; called find_policy")).toEqual([]);
    expect(expectedTools("answer: expected 24")).toBeUndefined();
  });
});
