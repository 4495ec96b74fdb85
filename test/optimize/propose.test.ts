import { describe, expect, it } from "vitest";
import { LMCallError } from "../../src/lm/call-error.js";
import type { LMRequest } from "../../src/lm/types.js";
import { proposeInstruction } from "../../src/optimize/propose.js";
import { proposalKey, sampleFor, noteUnreadable, type Unreadable } from "../../src/optimize/resample.js";
import type { Signature } from "../../src/signature/types.js";
import { FakeLM } from "../support/fake-lm.js";

const signature: Signature = { inputs: [{ name: "message", type: { kind: "string" }, typed: true }], outputs: [{ name: "team", type: { kind: "enum", options: ["billing", "other"] }, typed: true }] };
const records = [{ inputs: { message: "refund please" }, outputs: { team: "other" }, expected: { team: "billing" }, score: 0 }];
const args = { step: "route", signature, instruction: "Route it.", records, purpose: "reflect" as const, sample: 0 };

/** An openai model answering every request with `answer` (an Error is thrown); 100 + 10 tokens, $0.001 a call. */
const lm = (answer: (req: LMRequest) => string | Error): FakeLM =>
  new FakeLM(answer, { id: "openai:gpt-4.1-mini", response: { usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 }, costUsd: 0.001 } });

describe("proposeInstruction", () => {
  it("returns the new instruction it read, with the call", async () => {
    const client = lm(() => "[[ ## new_instruction ## ]]\nRoute refunds to billing.\n\n[[ ## completed ## ]]");
    const { proposal, calls } = await proposeInstruction(client, args);
    expect(proposal).toEqual({ ok: true, instruction: "Route refunds to billing." });
    expect(calls).toHaveLength(1);
  });

  it("turns an answer it cannot read (chat, then json) into a failed proposal with both calls to pay for", async () => {
    const client = lm(() => "Sorry, I can't help with that.");
    const { proposal, calls } = await proposeInstruction(client, args);
    expect(proposal.ok).toBe(false);
    expect(!proposal.ok && proposal.error).toContain("could not read the LM's answer");
    expect(calls.map((c) => c.adapter)).toEqual(["chat", "json"]);
    expect(calls.every((c) => c.parseError !== undefined && c.costUsd === 0.001)).toBe(true);
  });

  it("turns a refused request into a failed proposal", async () => {
    const client = lm(() => new LMCallError("rejected", "openai: the model refused: no"));
    const { proposal, calls } = await proposeInstruction(client, args);
    expect(proposal).toEqual({ ok: false, error: "openai: the model refused: no" });
    expect(calls).toEqual([]);
  });

  it("lets other LM errors through: they are the scheduler's to judge", async () => {
    await expect(proposeInstruction(lm(() => new LMCallError("transient", "503")), args)).rejects.toThrow("503");
    await expect(proposeInstruction(lm(() => new Error("boom")), args)).rejects.toThrow("boom");
  });

  it("asks sample 0 at temperature 0 and later samples at 1", async () => {
    const client = lm(() => "[[ ## new_instruction ## ]]\nx\n\n[[ ## completed ## ]]");
    await proposeInstruction(client, args);
    await proposeInstruction(client, { ...args, sample: 3 });
    expect(client.requests.map((r) => [r.sample, r.temperature])).toEqual([[0, 0], [3, 1]]);
  });
});

describe("resampling unreadable proposals", () => {
  it("keys a request by what its prompt is made of, not by its sample", () => {
    const key = proposalKey(args);
    expect(proposalKey({ ...args })).toBe(key);
    expect(proposalKey({ ...args, instruction: "Other." })).not.toBe(key);
    expect(proposalKey({ ...args, purpose: "propose_instruction" })).not.toBe(key);
    expect(proposalKey({ ...args, records: [{ ...records[0]!, score: 1 }] })).not.toBe(key);
  });

  it("shifts a round of proposals past every earlier round of the same request that had an unreadable answer", () => {
    const unreadable: Unreadable = {};
    expect([0, 1, 2].map((j) => sampleFor(unreadable, "k", j, 3))).toEqual([0, 1, 2]);
    noteUnreadable(unreadable, "k");
    expect([0, 1, 2].map((j) => sampleFor(unreadable, "k", j, 3))).toEqual([3, 4, 5]);
    noteUnreadable(unreadable, "k");
    expect(sampleFor(unreadable, "k")).toBe(2);
    expect(sampleFor(unreadable, "other")).toBe(0);
    expect(sampleFor(undefined, "k", 1, 3)).toBe(1);
  });
});
