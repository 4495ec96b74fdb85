import { describe, expect, it } from "vitest";
import type { FeedbackRecord } from "../../../src/lm/types.js";
import { answer, answerOf } from "./helpers.js";

const TARGET = "message -> team: enum(technical, billing, account)";
const PROPOSER = "current_instruction, examples -> new_instruction";

const wrongBilling: FeedbackRecord[] = [
  { inputs: { message: "I was charged twice for my subscription" }, outputs: { team: "technical" }, expected: { team: "billing" }, score: 0 },
  { inputs: { message: "Please refund the duplicate subscription payment" }, outputs: { team: "technical" }, expected: { team: "billing" }, score: 0 },
  { inputs: { message: "The app crashes when I upload a photo" }, outputs: { team: "technical" }, expected: { team: "technical" }, score: 1 },
];

function reflect(instruction: string, records: FeedbackRecord[], extra: { purpose?: "reflect" | "propose_instruction"; temperature?: number; sample?: number } = {}): string {
  return answerOf("new_instruction", {
    purpose: extra.purpose ?? "reflect",
    signature: PROPOSER,
    temperature: extra.temperature ?? 0,
    sample: extra.sample ?? 0,
    target: { signature: TARGET, instruction, records },
  }) as string;
}

describe("sim as reflection / proposal model", () => {
  it("adds a cue line for the gold label of mislabeled records, from `expected`", () => {
    const out = reflect("Route the message.", wrongBilling);
    expect(out).toBe("Route the message.\n- billing: subscription, charged, twice, refund, duplicate, payment");
  });

  it("puts the most distinctive words first: shared by more mislabeled inputs, absent from other labels", () => {
    const records: FeedbackRecord[] = [
      ...wrongBilling,
      { inputs: { message: "Charged for an app I deleted" }, outputs: { team: "technical" }, expected: { team: "technical" }, score: 1 },
    ];
    const line = reflect("Route it.", records).split("\n")[1]!;
    // "subscription" is in both billing records and no other; "charged" also appears in a technical one.
    expect(line.startsWith("- billing: subscription,")).toBe(true);
    expect(line).not.toMatch(/\bcharged\b/);
  });

  it("reads the gold label from feedback text when `expected` is absent", () => {
    const records: FeedbackRecord[] = [
      { inputs: { message: "I cannot reset my password" }, outputs: { team: "technical" }, feedback: "team: expected account, got technical", score: 0 },
      { inputs: { message: "Locked out after the password change" }, outputs: { team: "technical" }, feedback: "Expected account.", score: 0 },
      { inputs: { message: "Screen flickers badly" }, outputs: { team: "technical" }, feedback: "expected technical or account", score: 0 },
    ];
    expect(reflect("Route it.", records)).toBe("Route it.\n- account: password, cannot, reset, locked, after, change");
  });

  it("the learned cue line fixes the prediction", () => {
    const instruction = reflect("Route the message.", wrongBilling);
    const sig = TARGET;
    const inputs = { message: "Why did you charge my subscription twice?" };
    expect(answerOf("team", { signature: sig, inputs, instruction: "Route the message." })).toBe("technical");
    expect(answerOf("team", { signature: sig, inputs, instruction })).toBe("billing");
  });

  it("merges into the existing line for an option without duplicating words", () => {
    const out = reflect("Route the message.\n- billing: invoice, refund.\n- account: login", wrongBilling);
    expect(out).toBe(
      "Route the message.\n- billing: invoice, refund, subscription, charged, twice, duplicate, payment\n- account: login",
    );
  });

  it("caps a cue line at 15 terms", () => {
    const full = `- billing: ${Array.from({ length: 13 }, (_, i) => `w${String.fromCharCode(97 + i)}x`).join(", ")}`;
    const out = reflect(full, wrongBilling);
    const terms = out.split(": ")[1]!.split(", ");
    expect(terms).toHaveLength(15);
  });

  it("returns the instruction unchanged when nothing was got wrong", () => {
    const right = wrongBilling.map((r) => ({ ...r, outputs: r.expected }));
    const instruction = "Route the message.\n\n";
    expect(reflect(instruction, right)).toBe(instruction);
    expect(reflect(instruction, right, { purpose: "propose_instruction" })).toBe(instruction);
    expect(reflect(instruction, [])).toBe(instruction);
  });

  it("proposes from gold examples shown without outputs", () => {
    const shown: FeedbackRecord[] = [
      { inputs: { message: "Refund my order" }, expected: { team: "billing" } },
      { inputs: { message: "The page will not load" }, expected: { team: "technical" } },
    ];
    expect(reflect("", shown, { purpose: "propose_instruction" })).toBe("- technical: page, load\n- billing: refund, order");
    expect(reflect("", shown, { purpose: "reflect" })).toBe("");
  });

  it("adds, then updates, a length line when gold answers are clearly shorter", () => {
    const records: FeedbackRecord[] = [
      { inputs: { question: "When?" }, outputs: { answer: "The tower was completed in 1889 for the fair." }, expected: { answer: "1889" }, score: 0.2 },
      { inputs: { question: "Who?" }, outputs: { answer: "Gustave Eiffel's company designed and built it." }, expected: { answer: "Gustave Eiffel" }, score: 0.3 },
      { inputs: { question: "Where?" }, outputs: { answer: "It stands in Paris, the capital of France." }, expected: { answer: "Paris" }, score: 0.2 },
    ];
    const target = (instruction: string) => ({ signature: "question -> answer", instruction, records });
    const first = answerOf("new_instruction", { purpose: "reflect", signature: PROPOSER, target: target("Answer the question.") });
    expect(first).toBe("Answer the question.\nAnswer in at most 1 word, quoting the passage.");
    const updated = answerOf("new_instruction", {
      purpose: "reflect",
      signature: PROPOSER,
      target: target("Answer in at most 5 words, quoting the passage.\nAnswer the question."),
    });
    expect(updated).toBe("Answer in at most 1 word, quoting the passage.\nAnswer the question.");
    const alike = records.map((r) => ({ ...r, outputs: { answer: `${String(r.expected!.answer)} indeed` } }));
    expect(answerOf("new_instruction", { purpose: "reflect", signature: PROPOSER, target: { signature: "question -> answer", instruction: "Hi.", records: alike } })).toBe("Hi.");
  });

  it("fills other outputs with defaults and reasoning with what it learned", () => {
    const out = answer({
      purpose: "reflect",
      signature: "examples -> reasoning, new_instruction, confidence: number",
      target: { signature: TARGET, instruction: "Route.", records: wrongBilling },
    });
    expect(Object.keys(out)).toEqual(["reasoning", "new_instruction", "confidence"]);
    expect(out.new_instruction).toMatch(/^Route\.\n- billing: /);
    expect(out.reasoning).toMatch(/billing/);
    expect(out.confidence).toBe(0);
  });

  it("varies the chosen words across samples when sampling, reproducibly", () => {
    const many: FeedbackRecord[] = [
      { inputs: { message: "charged twice subscription refund duplicate payment invoice receipt overdraft" }, outputs: { team: "technical" }, expected: { team: "billing" }, score: 0 },
    ];
    const outs = Array.from({ length: 8 }, (_, i) => reflect("Route.", many, { temperature: 1, sample: i + 1 }));
    expect(new Set(outs).size).toBeGreaterThan(1);
    outs.forEach((o, i) => expect(reflect("Route.", many, { temperature: 1, sample: i + 1 })).toBe(o));
    expect(reflect("Route.", many, { temperature: 0, sample: 3 })).toBe(reflect("Route.", many));
  });
});

describe("sim reflection drops cue words that misled", () => {
  const chargedTwice = { inputs: { message: "I was charged twice for my subscription" }, outputs: { team: "technical" }, expected: { team: "billing" }, score: 0 };
  const photo = { inputs: { message: "The app crashes when I upload a photo" }, outputs: { team: "technical" }, expected: { team: "technical" }, score: 1 };

  it("removes a word of its own cue line found in an input answered wrongly with that option", () => {
    const out = reflect("Route.\n- technical: photo, charged", [chargedTwice, photo]);
    // `charged` pulled a billing message to technical; `photo` pointed right. Freed, `charged` can
    // then cue the gold label.
    expect(out).toBe("Route.\n- technical: photo\n- billing: charged, twice, subscription");
  });

  it("keeps a word that pointed right as often as it misled", () => {
    const alsoTechnical = { inputs: { message: "The app crashes after the lock charged overnight" }, outputs: { team: "technical" }, expected: { team: "technical" }, score: 1 };
    const out = reflect("Route.\n- technical: photo, charged", [chargedTwice, photo, alsoTechnical]);
    expect(out.split("\n")[1]).toBe("- technical: photo, charged");
  });

  it("removes a line left without words, and leaves prose lines as written", () => {
    expect(reflect("Route.\n- technical: charged", [chargedTwice, photo])).toBe("Route.\n- billing: charged, twice, subscription");
    const prose = "Route.\nCharged customers go to technical.";
    expect(reflect(prose, [chargedTwice, photo])).toBe(`${prose}\n- billing: twice, subscription`);
  });

  it("drops nothing on records whose answer it is not shown", () => {
    const gold = [{ inputs: chargedTwice.inputs, expected: chargedTwice.expected }];
    expect(reflect("Route.\n- technical: charged", gold, { purpose: "propose_instruction" })).toBe("Route.\n- technical: charged\n- billing: twice, subscription");
  });

  it("says what it dropped in its reasoning, and the pruned instruction answers right", () => {
    const out = answer({
      purpose: "reflect",
      signature: "examples -> reasoning, new_instruction",
      target: { signature: TARGET, instruction: "Route.\n- technical: photo, charged", records: [chargedTwice, photo] },
    });
    expect(out.reasoning).toMatch(/team technical ✗ charged/);
    const inputs = { message: "Why was I charged for a subscription I cancelled?" };
    expect(answerOf("team", { signature: TARGET, inputs, instruction: "Route.\n- technical: photo, charged" })).toBe("technical");
    expect(answerOf("team", { signature: TARGET, inputs, instruction: out.new_instruction as string })).toBe("billing");
  });
});
