import { describe, expect, it } from "vitest";
import { simAnswer } from "../../../src/lm/sim/answer.js";
import { readDatasetSummary } from "../../../src/lm/sim/grounded.js";
import type { FeedbackRecord, LMCallMeta, LMRequest } from "../../../src/lm/types.js";
import { parseSignature } from "../../../src/signature/parse.js";
import { answerOf } from "./helpers.js";

const TARGET = parseSignature("message -> team: enum(billing, technical, account)");
const PROPOSER = parseSignature("program_summary, dataset_summary, current_instruction, task, examples, tip -> new_instruction");
const SUMMARY = parseSignature("examples -> summary");

const DATA: FeedbackRecord[] = [
  { inputs: { message: "Please refund the duplicate invoice" }, expected: { team: "billing" } },
  { inputs: { message: "My invoice shows a wrong charge" }, expected: { team: "billing" } },
  { inputs: { message: "Refund my last payment please" }, expected: { team: "billing" } },
  { inputs: { message: "The app crashes on upload" }, expected: { team: "technical" } },
  { inputs: { message: "Upload fails with an error" }, expected: { team: "technical" } },
  { inputs: { message: "I cannot reset my password" }, expected: { team: "account" } },
  { inputs: { message: "Change the email on my profile" }, expected: { team: "account" } },
];

function call(meta: Omit<LMCallMeta, "adapter" | "demos" | "instruction"> & { instruction?: string }, sample = 0): LMRequest {
  return { model: "sim", messages: [], temperature: sample > 0 ? 1 : 0, maxTokens: 512, sample, meta: { adapter: "chat", demos: [], instruction: "", ...meta } };
}

function datasetSummary(records = DATA): string {
  const out = simAnswer(call({ purpose: "summarize_dataset", signature: SUMMARY, inputs: {}, target: { step: "", signature: TARGET, instruction: "", records } }));
  return String(out.summary);
}

function propose(tip: string, dataset: string, records: FeedbackRecord[] = DATA.slice(0, 2), sample = 0): string {
  const out = simAnswer(
    call(
      {
        purpose: "propose_instruction",
        signature: PROPOSER,
        inputs: {},
        target: { step: "route", signature: TARGET, instruction: "Route the message.", records, grounding: { program: "Routes customer messages to a team. More text.", dataset, tip } },
      },
      sample,
    ),
  );
  return String(out.new_instruction);
}

const teamOf = (instruction: string, message: string) => answerOf("team", { signature: "message -> team: enum(billing, technical, account)", instruction, inputs: { message } });

describe("sim as a grounded proposer", () => {
  it("summarizes a dataset: how often each value occurs and the words that tell its inputs apart", () => {
    const summary = datasetSummary();
    expect(summary).toContain("team: billing 3, technical 2, account 2.");
    const { cues } = readDatasetSummary(summary);
    const billing = cues.find((c) => c.option === "billing")!;
    expect(billing.field).toBe("team");
    expect(billing.words).toEqual(expect.arrayContaining(["refund", "invoice"]));
    expect(cues.find((c) => c.option === "technical")!.words).toContain("upload");
    // Deterministic at temperature 0.
    expect(datasetSummary()).toBe(summary);
  });

  it("summarizes a program from its description and steps", () => {
    const program = "Name: triage\nDescription: Route a message to a team.\nInputs: message\nOutputs: team\nSteps:\n- route (predict): message -> team: enum(billing, technical) — Route it.";
    const out = simAnswer(call({ purpose: "summarize_program", signature: parseSignature("program -> summary"), inputs: { program } }));
    expect(out.summary).toBe("Route a message to a team. It runs 1 step: route (predict) reads message and writes team.");
  });

  it("turns the dataset summary into cue lines: another summary, other cue words", () => {
    const grounded = propose("none", datasetSummary());
    expect(grounded).toMatch(/^- account: .*password/m);
    expect(grounded).toMatch(/^- technical: .*upload/m);
    const other = propose("none", "- team = account: profile, email");
    expect(other).toMatch(/^- account: profile, email$/m);
    expect(other).not.toMatch(/password/);
    // Without the summary only the demos shown (two billing ones) teach anything.
    const bare = propose("none", "");
    expect(bare).not.toMatch(/^- account:/m);
  });

  it("predicts differently with a grounded instruction: its cue lines decide inputs the original cannot", () => {
    const grounded = propose("none", datasetSummary());
    expect(teamOf("Route the message.", "I cannot reset the password")).toBe("billing");
    expect(teamOf(grounded, "I cannot reset the password")).toBe("account");
  });

  it("gives each tip its own form", () => {
    const summary = datasetSummary();
    const by = Object.fromEntries(["none", "simple", "description", "creative", "high_stakes", "persona"].map((t) => [t, propose(t, summary)]));
    expect(new Set(Object.values(by)).size).toBe(6);
    // simple: the instruction's first line and two or three words per value, the demos' own cues left out.
    expect(by.simple!.split("\n")[0]).toBe("Route the message.");
    expect(by.simple!.length).toBeLessThan(by.none!.length);
    for (const line of by.simple!.split("\n").slice(1)) expect(line.split(",").length).toBeLessThanOrEqual(3);
    // description: the program summary's first sentence leads.
    expect(by.description!.split("\n")[0]).toBe("Routes customer messages to a team.");
    // high stakes and persona: a lead line of their own.
    expect(by.high_stakes!.split("\n")[0]).toMatch(/high stakes/);
    expect(by.persona!.split("\n")[0]).toMatch(/^You are /);
    // creative: prose cue lines, which sim reads as cues too.
    expect(by.creative).toMatch(/^Think of account when the input mentions .*password/m);
    expect(teamOf(by.creative!, "I cannot reset the password")).toBe("account");
  });

  it("differs between samples of the same request (temperature 1), and replays each identically", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      inputs: { message: `refund invoice charge billing payment card statement item${i} receipt${i % 3}` },
      expected: { team: i % 2 === 0 ? "billing" : "technical" },
    }));
    const summary = datasetSummary([...DATA, ...many]);
    const a = propose("none", summary, many.slice(0, 3), 1);
    const b = propose("none", summary, many.slice(0, 3), 2);
    expect(propose("none", summary, many.slice(0, 3), 1)).toBe(a);
    expect(a === b && propose("none", summary, many.slice(0, 3), 3) === a).toBe(false);
  });

  it("an ungrounded proposal is answered as before (no summary lines)", () => {
    const plain = answerOf("new_instruction", { purpose: "propose_instruction", signature: "current_instruction, examples -> new_instruction", target: { signature: "message -> team: enum(billing, technical, account)", instruction: "Route the message.", records: DATA.slice(0, 2) } });
    expect(plain).not.toMatch(/account|technical/);
  });
});
