import { beforeAll, describe, expect, it } from "vitest";
import type { Program } from "../../src/runtime/program.js";
import { beam } from "../../src/optimize/optimizers/beam.js";
import { beamPlan } from "../../src/optimize/optimizers/beam/plan.js";
import type { BeamState } from "../../src/optimize/optimizers/beam/state.js";
import { BudgetExhausted } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { sha256 } from "../../src/util/canonical.js";
import { exampleProgram, fakeContext, incidentExamples, instructionOf, runBeam, scoreBaseline, triageExamples, type Script } from "./beam-helpers.js";

let support: Program;
let incident: Program;
let O: string;
beforeAll(async () => {
  support = await exampleProgram("support-triage");
  incident = await exampleProgram("incident-triage");
  O = instructionOf(support.state);
});

/** Scores from tables keyed by the (single step's) instruction; anything not listed scores `otherwise`. */
function tables(train: Record<string, number>, dev: Record<string, number>, otherwise = 0): Script["score"] {
  return (state, _example, dataset) => {
    const table = dataset === "dev" ? dev : train;
    return table[instructionOf(state)] ?? otherwise;
  };
}

/** A deterministic pseudo-random score of a state on an example (the search has real choices to make). */
const hashed: Script["score"] = (state, example, dataset) => parseInt(sha256(`${stateHash(state)}|${example.id}|${dataset}`).slice(0, 6), 16) / 0xffffff;

const devEvaluations = (log: ReturnType<typeof fakeContext>["log"]) => log.evaluations.filter((e) => e.dataset === "dev");

describe("beam: pruning", () => {
  it("keeps the best `width` by minibatch score, ties by proposal order, and scores only survivors on dev", async () => {
    const { ctx, log } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 2, proposals: 3, demos: 0, minibatch: 8, iterations: 1 },
      score: tables({ [O]: 0.5, [`${O} #1`]: 0.7, [`${O} #2`]: 0.9, [`${O} #3`]: 0.7 }, { [O]: 0.375, [`${O} #1`]: 0.4375, [`${O} #2`]: 0.625 }),
    });
    const { state, done } = await runBeam(ctx);
    expect(done).toBe(true);
    // #2 first; #1 and #3 tie at 0.7 and the earlier proposal wins; the baseline (0.5) is pruned.
    expect(state.beam.map((m) => instructionOf(m.state))).toEqual([`${O} #2`, `${O} #1`]);
    const pruned = log.events.filter((e) => e.type === "pruned").map((e) => e.data.candidate);
    const hashOf = (instruction: string) => log.candidates.find((c) => instructionOf(c.state) === instruction)!.hash;
    expect(pruned).toEqual([hashOf(`${O} #3`), stateHash(support.state)]);
    // Dev: the baseline (by the driver), then the two survivors in rank order, nothing else.
    expect(devEvaluations(log).map((e) => e.instructions.route)).toEqual([O, `${O} #2`, `${O} #1`]);
    expect(state.best).toMatchObject({ candidate: hashOf(`${O} #2`), score: 0.625 });
    expect(state.dev).toEqual({ [stateHash(support.state)]: 0.375, [hashOf(`${O} #2`)]: 0.625, [hashOf(`${O} #1`)]: 0.4375 });
    // Every child was recorded with its parent, and every child was scored on the same minibatch.
    expect(log.candidates.map((c) => c.parents)).toEqual([[stateHash(support.state)], [stateHash(support.state)], [stateHash(support.state)]]);
    const minibatches = log.evaluations.filter((e) => e.dataset === "train").map((e) => e.ids.join(","));
    expect(minibatches).toHaveLength(4);
    expect(new Set(minibatches).size).toBe(1);
  });

  it("on a tie between a member and its children, keeps the member (the incumbent) first", async () => {
    const { ctx } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 2, proposals: 3, demos: 0, minibatch: 8, iterations: 1 },
      score: () => 0.5,
    });
    const { state } = await runBeam(ctx);
    expect(state.beam.map((m) => instructionOf(m.state))).toEqual([O, `${O} #1`]);
    expect(state.stale).toBe(1);
  });

  it("scores on dev only survivors new to dev: a member that stays is not scored again", async () => {
    const train = {
      [O]: 0.5,
      [`${O} #1`]: 0.6,
      [`${O} #2`]: 0.8,
      [`${O} #3`]: 0.2,
      [`${O} #2 #1`]: 0.9,
      [`${O} #2 #2`]: 0.7,
      [`${O} #2 #3`]: 0.1,
      [`${O} #1 #1`]: 0.3,
      [`${O} #1 #2`]: 0.4,
      [`${O} #1 #3`]: 0.5,
    };
    const dev = { [O]: 0.375, [`${O} #1`]: 0.4375, [`${O} #2`]: 0.5, [`${O} #2 #1`]: 0.5625 };
    const { ctx, log } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 2, proposals: 3, demos: 0, minibatch: 8, iterations: 2 },
      score: tables(train, dev),
    });
    const { state } = await runBeam(ctx);
    expect(state.iteration).toBe(2);
    expect(state.beam.map((m) => instructionOf(m.state))).toEqual([`${O} #2 #1`, `${O} #2`]);
    expect(devEvaluations(log).map((e) => e.instructions.route)).toEqual([O, `${O} #2`, `${O} #1`, `${O} #2 #1`]);
    expect(state.best.score).toBe(0.5625);
    expect(instructionOf(state.best.state)).toBe(`${O} #2 #1`);
    // Each iteration drew its own minibatch, shared by its members and their children.
    const train1 = log.evaluations.filter((e) => e.dataset === "train").map((e) => e.ids.join(","));
    expect(new Set(train1.slice(0, 4)).size).toBe(1);
    expect(new Set(train1.slice(4)).size).toBe(1);
    expect(train1[0]).not.toBe(train1[4]);
  });
});

describe("beam: LM steps and demos", () => {
  it("goes round-robin over the LM steps of a multi-step program, rewriting one step per member", async () => {
    const { ctx, log } = fakeContext({
      program: incident,
      train: incidentExamples("t", 40),
      dev: incidentExamples("d", 10),
      settings: { width: 3, proposals: 2, demos: 0, minibatch: 6, iterations: 3, patience: 0 },
      score: hashed,
    });
    const { state } = await runBeam(ctx);
    const steps = incident.graph.lmSteps;
    expect(steps).toEqual(["diagnose", "assess"]);
    // One proposal request per member expansion and proposal; the expansions alternate steps.
    const expansions = log.proposals.filter((_, i) => i % 2 === 0).map((p) => p.step);
    expect(expansions.length).toBeGreaterThanOrEqual(5);
    expansions.forEach((step, i) => expect(step).toBe(steps[(state.offset + i) % 2]));
    expect(log.proposals.every((p) => p.purpose === "propose_instruction")).toBe(true);
    expect(log.proposals.map((p) => p.sample)).toEqual(log.proposals.map((_, i) => i % 2));
    // A child differs from its parent in the rewritten step's instruction only.
    const byHash = new Map<string, ProgramState>([[stateHash(incident.state), incident.state], ...log.candidates.map((c) => [c.hash, c.state] as const)]);
    for (const c of log.candidates) {
      const parent = byHash.get(c.parents[0]!)!;
      const step = c.origin.replace(/^beam:/, "");
      for (const s of steps) {
        if (s === step) expect(c.state.steps[s]!.instruction).toMatch(/ #[12]$/);
        else expect(c.state.steps[s]).toEqual(parent.steps[s]);
      }
    }
  });

  it("pairs odd proposals with fresh labeled demos from a pool kept apart from the minibatches", async () => {
    const train = triageExamples("t", 40);
    const { ctx, log } = fakeContext({
      program: support,
      train,
      dev: triageExamples("d", 10),
      settings: { width: 3, proposals: 3, demos: 2, minibatch: 10, iterations: 2, patience: 0 },
      score: hashed,
    });
    const { state } = await runBeam(ctx);
    expect(state.demoPool.length).toBe(12);
    expect(state.batchPool.length).toBe(28);
    expect(state.demoPool.filter((id) => state.batchPool.includes(id))).toEqual([]);
    const minibatchIds = log.evaluations.filter((e) => e.dataset === "train").flatMap((e) => e.ids);
    expect(minibatchIds.every((id) => state.batchPool.includes(id))).toBe(true);
    const poolMessages = new Set(train.filter((e) => state.demoPool.includes(e.id)).map((e) => e.inputs.message));
    const byHash = new Map<string, ProgramState>([[stateHash(support.state), support.state], ...log.candidates.map((c) => [c.hash, c.state] as const)]);
    for (const c of log.candidates) {
      const demos = c.state.steps.route!.demos;
      if (c.origin === "beam:route+demos") {
        expect(c.state.steps.route!.instruction).toMatch(/ #2$/);
        expect(demos).toHaveLength(2);
        for (const d of demos) {
          expect(poolMessages.has(d.message as string)).toBe(true);
          expect(Object.keys(d).sort()).toEqual(["message", "team", "urgency"]);
        }
      } else {
        expect(c.origin).toBe("beam:route");
        expect(demos).toEqual(byHash.get(c.parents[0]!)!.steps.route!.demos);
      }
    }
    expect(log.candidates.some((c) => c.origin === "beam:route+demos")).toBe(true);
  });
});

describe("beam: determinism and resumption", () => {
  const script = (): Script => ({
    program: incident,
    train: incidentExamples("t", 40),
    dev: incidentExamples("d", 12),
    settings: { width: 3, proposals: 3, demos: 2, minibatch: 8, iterations: 4, patience: 0 },
    score: hashed,
  });

  it("keeps its state as plain JSON at every step", async () => {
    const { ctx } = fakeContext(script());
    const { states } = await runBeam(ctx);
    expect(states.length).toBeGreaterThan(8);
    for (const s of states) expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
  });

  it("gives the same sequence of candidates for the same seed (and another for another seed)", async () => {
    const a = fakeContext(script());
    const b = fakeContext(script());
    const c = fakeContext({ ...script(), rng: [1, 2, 3, 4] });
    const ra = await runBeam(a.ctx);
    const rb = await runBeam(b.ctx);
    await runBeam(c.ctx);
    expect(a.log.candidates.length).toBeGreaterThan(10);
    expect(b.log.candidates.map((x) => x.hash)).toEqual(a.log.candidates.map((x) => x.hash));
    expect(b.log.events).toEqual(a.log.events);
    expect(rb.state).toStrictEqual(ra.state);
    expect(c.log.candidates.map((x) => x.hash)).not.toEqual(a.log.candidates.map((x) => x.hash));
  });

  it("continued from a JSON copy of a checkpoint (with the rng and budget), ends exactly where an uninterrupted run ends", async () => {
    const reference = fakeContext(script());
    const full = await runBeam(reference.ctx);

    for (const cut of [1, 3, 6]) {
      const first = fakeContext(script());
      const part = await runBeam(first.ctx, { maxSteps: cut });
      expect(part.done).toBe(false);
      const checkpoint = JSON.parse(JSON.stringify({ state: part.state, rng: first.ctx.rng.state(), budget: first.budget.snapshot() }));
      const second = fakeContext({ ...script(), rng: checkpoint.rng, used: checkpoint.budget });
      const rest = await runBeam(second.ctx, { from: checkpoint.state as BeamState });
      expect(rest.state).toStrictEqual(full.state);
      expect([...first.log.candidates, ...second.log.candidates].map((x) => x.hash)).toEqual(reference.log.candidates.map((x) => x.hash));
      expect(second.budget.used.calls).toBe(reference.budget.used.calls);
    }
  });
});

describe("beam: budget and stopping", () => {
  it("lets BudgetExhausted propagate, leaving the state it was given untouched", async () => {
    const { ctx } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 3, proposals: 3, demos: 2, minibatch: 8 },
      score: hashed,
    });
    let state = await beam.init(ctx, await scoreBaseline(ctx));
    ({ state } = await beam.step(ctx, state)); // iteration 1: the baseline's expansion
    const evaluate = ctx.evaluate;
    let calls = 0;
    ctx.evaluate = async (s, exs, dataset) => {
      if (++calls === 2) throw new BudgetExhausted("time");
      return evaluate(s, exs, dataset);
    };
    const before = JSON.parse(JSON.stringify(state));
    await expect(beam.step(ctx, state)).rejects.toBeInstanceOf(BudgetExhausted);
    expect(state).toStrictEqual(before);
    expect(beam.best(state)).toEqual(before.best);
    // A proposal that does not fit the budget propagates too.
    const { ctx: tight } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 3, proposals: 3, demos: 0, minibatch: 8 },
      score: hashed,
    });
    const start = await beam.init(tight, await scoreBaseline(tight));
    tight.propose = async () => {
      throw new BudgetExhausted("LM calls");
    };
    await expect(beam.step(tight, start)).rejects.toBeInstanceOf(BudgetExhausted);
  });

  it("expands only the members the call budget can pay for, then stops instead of starting what it cannot finish", async () => {
    // 10 dev + 8-example minibatches, 3 proposals, 1 call per example: expanding one member costs
    // 4 × 8 + 3 = 35 calls, and each new survivor's dev score 10.
    const { ctx, budget, log } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 3, proposals: 3, demos: 0, minibatch: 8 },
      limits: { calls: 10 + 65 + 65 + 30 },
      // Longer instructions score higher: children always beat their parent, and siblings tie.
      score: (state) => instructionOf(state).length / 1000,
    });
    const { state, done } = await runBeam(ctx);
    expect(done).toBe(true);
    expect(state.stopped).toMatch(/budget/);
    expect(state.iteration).toBe(2);
    expect(log.events.find((e) => e.type === "budget")?.data.summary).toMatch(/expanding 1 of 3 beam members/);
    expect(budget.used.calls).toBeLessThanOrEqual(170);
  });

  it("stops after `patience` iterations in which no child beat its parent", async () => {
    const { ctx, log } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { width: 2, proposals: 2, demos: 0, minibatch: 8 },
      score: () => 0.5,
    });
    const { state, done } = await runBeam(ctx);
    expect(done).toBe(true);
    expect(state.iteration).toBe(2);
    expect(state.stopped).toMatch(/no child beat its parent for 2 iterations/);
    expect(log.events.at(-1)?.type).toBe("stopped");
    expect(state.best.candidate).toBe(stateHash(support.state));
  });

  it("stops after `iterations` when set", async () => {
    const { ctx } = fakeContext({
      program: support,
      train: triageExamples("t", 30),
      dev: triageExamples("d", 10),
      settings: { iterations: 1, minibatch: 8 },
      score: hashed,
    });
    const { state, done } = await runBeam(ctx);
    expect(done).toBe(true);
    expect(state.iteration).toBe(1);
  });

  it("plans what the budget buys and the least one iteration needs", () => {
    const plan = beamPlan({ callsPerExample: 1, train: 200, dev: 70, lmSteps: 1, calls: 1790, settings: beam.settings.parse({}) });
    // Expanding one member: 4 × 40 + 3 calls; a first iteration adds 3 dev evaluations of 70.
    expect(plan.minimumCalls).toBe(163 + 210);
    expect(plan.buys).toMatch(/^≈ 3 beam iterations \(width 3, 3 proposals each, 40-example minibatches, dev for survivors/);
    const small = beamPlan({ callsPerExample: 2, train: 10, dev: 5, lmSteps: 2, calls: Infinity, settings: beam.settings.parse({ iterations: 4 }) });
    expect(small.buys).toMatch(/^≈ 4 beam iterations .* 7-example minibatches/);
  });
});

describe("beam: unreadable proposals", () => {
  it("makes no child of a proposal that could not be read, keeps the others, and asks that request at new samples next time", async () => {
    // One train example: the baseline, staying on the beam, is expanded on the same records each iteration.
    const propose = (a: { instruction: string; sample: number }) => (a.sample === 1 ? { ok: false as const, error: "could not read the LM's answer" } : `${a.instruction} #${a.sample + 1}`);
    const { ctx, log } = fakeContext({ program: support, train: triageExamples("t", 1), dev: triageExamples("d", 2), settings: { width: 4, proposals: 3, demos: 0, iterations: 2, patience: 0 }, score: () => 0.5, propose });
    const { state } = await runBeam(ctx);
    const ofBaseline = log.proposals.filter((p) => p.instruction === O).map((p) => p.sample);
    expect(ofBaseline).toEqual([0, 1, 2, 3, 4, 5]);
    // The baseline's round at samples 3-5 read every answer; its children's first rounds each lost sample 1.
    const failed = log.events.filter((e) => e.type === "proposal-failed");
    expect(failed.filter((e) => e.data.parent === stateHash(support.state)).map((e) => e.data)).toEqual([
      expect.objectContaining({ sample: 1, step: "route", error: "could not read the LM's answer" }),
    ]);
    expect(failed).toHaveLength(3);
    // Iteration 1: children from samples 0 and 2 only.
    expect(log.candidates.slice(0, 2).map((c) => instructionOf(c.state))).toEqual([`${O} #1`, `${O} #3`]);
    expect(Object.values(state.unreadable!)).toEqual([1, 1, 1]);
  });
});

describe("beam: edge cases", () => {
  it("uses the whole train set for both demos and minibatches when it is tiny", async () => {
    const tiny: Example[] = triageExamples("t", 3);
    const { ctx } = fakeContext({ program: support, train: tiny, dev: triageExamples("d", 4), settings: { iterations: 1 }, score: hashed });
    const { state, done } = await runBeam(ctx);
    expect(done).toBe(true);
    expect(state.batchPool).toEqual(["t0", "t1", "t2"]);
    expect(state.demoPool).toEqual(["t0", "t1", "t2"]);
  });
});
