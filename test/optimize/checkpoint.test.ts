import { describe, expect, it } from "vitest";
import { readCheckpoint, storedCheckpoint, type Checkpoint } from "../../src/optimize/checkpoint.js";
import { UserError } from "../../src/util/errors.js";

const position = { step: 4, rng: [1, 2, 3, 4] as [number, number, number, number], budget: { calls: 10, usd: 0, rollouts: 5, proposalCalls: 1, elapsedMs: 20 }, baseline: { candidate: "abc", score: 0.5 }, events: 7 };
const roundTrip = (c: Checkpoint) => readCheckpoint("run1", JSON.parse(JSON.stringify(storedCheckpoint(c))));

describe("checkpoints", () => {
  it("read back what was stored, in every phase", () => {
    const cases: Checkpoint[] = [
      { phase: "optimizing", state: { pool: [1] }, ...position },
      { phase: "finishing", state: { pool: [1] }, ended: "budget", budgetReason: "LM calls", ...position },
      { phase: "finished", report: { runId: "run1" } },
    ];
    for (const c of cases) expect(roundTrip(c)).toEqual(c);
  });

  it("keep a baseline never scored (NaN) as NaN", () => {
    const c = roundTrip({ phase: "finishing", ended: "budget", ...position, baseline: { candidate: "abc", score: NaN } });
    expect(c.phase === "finishing" && c.baseline.score).toBeNaN();
  });

  it("read version 1 (written after every step, before phases) as an optimizing checkpoint", () => {
    const v1 = { v: 1, step: 3, state: { x: 1 }, rng: [1, 2, 3, 4], budget: position.budget, baseline: { candidate: "abc", score: 0.25 }, spent: { tokens: {}, costUsd: 0 } };
    expect(readCheckpoint("run1", v1)).toMatchObject({ phase: "optimizing", step: 3, state: { x: 1 }, baseline: { score: 0.25 } });
  });

  it("refuse a damaged checkpoint with a message naming the run and what is wrong", () => {
    expect(() => readCheckpoint("run1", { v: 2, phase: "optimizing", step: "four" })).toThrow(UserError);
    expect(() => readCheckpoint("run1", { v: 9 })).toThrow(/run run1: its checkpoint cannot be read/);
  });
});
