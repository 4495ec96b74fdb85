import { describe, expect, it } from "vitest";
import { gepa, type GepaState, type Member } from "../../src/optimize/optimizers/gepa.js";
import { ancestors, changedSteps, mergeOptions, mergeOver, mergeSubsample, tripleKey } from "../../src/optimize/optimizers/gepa/merge.js";
import { dominates, paretoFrontier, sampleParent } from "../../src/optimize/optimizers/gepa/pareto.js";
import { newSampler, nextMinibatch } from "../../src/optimize/optimizers/gepa/sampler.js";
import { BudgetExhausted } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { Rng } from "../../src/util/rng.js";
import { examples, fakeContext, instructionsOf, scoreBaseline, stateOf, type Script } from "./gepa-helpers.js";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Scores looked up by the state's instructions (joined with "|") and the example id; 0 otherwise. */
function table(rows: Record<string, Record<string, number>>, fallback = 0) {
  return (state: ProgramState, example: Example) => rows[Object.values(instructionsOf(state)).join("|")]?.[example.id] ?? fallback;
}

function member(state: ProgramState, scores: number[], parents: number[] = []): Member {
  return {
    candidate: stateHash(state),
    state,
    parents,
    origin: parents.length === 0 ? "program" : parents.length === 1 ? "reflection" : "merge",
    scores,
    mean: scores.reduce((a, x) => a + x, 0) / scores.length,
    next: 0,
    iteration: 0,
  };
}

function stateWith(pool: Member[], merge: Partial<GepaState["merge"]> = {}): GepaState {
  return {
    v: 1,
    iteration: 0,
    pool,
    sampler: newSampler(),
    merge: { due: 0, tested: 0, accepted: 0, tried: [], lastFoundNew: false, ...merge },
    counts: { reflections: 0, proposals: 0, accepted: 0, rejected: 0, unchanged: 0, skipped: 0 },
  };
}

describe("GEPA Pareto frontier", () => {
  // Four dev examples. A and B are each best somewhere; C is best on the last example only; D is
  // on the frontier (tied best on example 0) but A dominates it; E is best nowhere.
  const pool = [
    /* A */ [1, 0, 1, 0],
    /* B */ [0, 1, 1, 0],
    /* C */ [0, 0, 0.5, 1],
    /* D */ [1, 0, 0.5, 0],
    /* E */ [0.5, 0.5, 0.5, 0],
  ];

  it("knows dominance: at least as good everywhere and better somewhere", () => {
    expect(dominates(pool[0]!, pool[3]!)).toBe(true);
    expect(dominates(pool[3]!, pool[0]!)).toBe(false);
    expect(dominates(pool[0]!, pool[1]!)).toBe(false);
    expect(dominates(pool[0]!, pool[0]!)).toBe(false);
  });

  it("takes, per dev example, the candidates with the best score, then drops dominated ones", () => {
    const f = paretoFrontier(pool);
    expect(f.fronts).toEqual([[0, 3], [1], [0, 1], [2]]);
    // D is on a front but dominated by A; E is on no front.
    expect(f.members).toEqual([0, 1, 2]);
    expect(f.wins).toEqual([2, 2, 1]);
    // Every example keeps a best candidate among the members.
    for (const front of f.fronts) expect(front.some((c) => f.members.includes(c))).toBe(true);
  });

  it("keeps candidates with identical scores (neither dominates the other)", () => {
    const f = paretoFrontier([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(f.members).toEqual([0, 1, 2]);
    expect(f.wins).toEqual([1, 1, 1]);
  });

  it("samples parents in proportion to the examples they win, the same way for the same seed", () => {
    const f = paretoFrontier([
      [1, 1, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(f.wins).toEqual([3, 1]);
    const rng = new Rng(1);
    const draws = Array.from({ length: 4000 }, () => sampleParent(f, rng));
    const share = draws.filter((d) => d === 0).length / draws.length;
    expect(share).toBeGreaterThan(0.72);
    expect(share).toBeLessThan(0.78);
    const again = new Rng(1);
    expect(Array.from({ length: 4000 }, () => sampleParent(f, again))).toEqual(draws);
  });
});

describe("GEPA minibatch sampler", () => {
  it("walks a seeded shuffle of the train set, one epoch at a time, and survives a JSON round trip", () => {
    const rng = new Rng(1);
    let sampler = newSampler();
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = nextMinibatch(sampler, 12, 4, rng);
      expect(next.sampler.position).toBe(4 * (i + 1));
      expect(next.sampler.epoch).toBe(1);
      seen.push(...next.batch);
      sampler = next.sampler;
    }
    // One epoch: every example exactly once.
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));

    // From a JSON copy (and the RNG's state) the sampler goes on exactly as the original.
    const copy = clone(sampler);
    const rngCopy = new Rng(rng.state());
    const a = nextMinibatch(sampler, 12, 4, rng);
    const b = nextMinibatch(copy, 12, 4, rngCopy);
    expect(b).toEqual(a);
    expect(a.sampler).toMatchObject({ epoch: 2, position: 4 });
  });

  it("gives the whole train set when it is smaller than a minibatch", () => {
    const next = nextMinibatch(newSampler(), 3, 8, new Rng(1));
    expect([...next.batch].sort()).toEqual([0, 1, 2]);
  });
});

describe("GEPA merge", () => {
  // 0 is the root; 1 and 2 change different steps of it; 3 (a child of 1) changes `a` again;
  // 4 changes `a` of the root, like 1; 5 is another root.
  const root = stateOf({ a: "A", b: "B", c: "C" });
  const pool = [
    member(root, [0.5, 0.5]),
    member(stateOf({ a: "A1", b: "B", c: "C" }), [1, 0.5], [0]),
    member(stateOf({ a: "A", b: "B2", c: "C" }), [0.5, 1], [0]),
    member(stateOf({ a: "A3", b: "B", c: "C" }), [1, 1], [1]),
    member(stateOf({ a: "A4", b: "B", c: "C" }), [1, 0], [0]),
    member(stateOf({ a: "X", b: "Y", c: "C" }), [0, 1]),
  ];
  const steps = ["a", "b", "c"];

  it("knows each candidate's ancestors and the steps it changed", () => {
    expect([...ancestors(pool, 3)].sort()).toEqual([0, 1]);
    expect(ancestors(pool, 0).size).toBe(0);
    expect(changedSteps(root, pool[2]!.state, steps)).toEqual(["b"]);
  });

  it("takes each step from the descendant that changed it, from the ancestor otherwise", () => {
    const plan = mergeOver(pool, 1, 2, 0, steps);
    if ("refused" in plan) throw new Error(plan.refused);
    expect(plan.fromA).toEqual(["a"]);
    expect(plan.fromB).toEqual(["b"]);
    expect(instructionsOf(plan.state)).toEqual({ a: "A1", b: "B2", c: "C" });
    // Works over a farther ancestor too: 3 changed `a` (twice), 2 changed `b`.
    const far = mergeOver(pool, 3, 2, 0, steps);
    if ("refused" in far) throw new Error(far.refused);
    expect(instructionsOf(far.state)).toEqual({ a: "A3", b: "B2", c: "C" });
  });

  it("refuses pairs without a common ancestor, that changed the same step, or where one descends from the other", () => {
    expect(mergeOver(pool, 1, 5, 0, steps)).toEqual({ refused: "no such common ancestor" });
    expect(mergeOver(pool, 1, 4, 0, steps)).toEqual({ refused: "both changed a" });
    expect(mergeOver(pool, 1, 3, 0, steps)).toEqual({ refused: "one descends from the other" });
    expect(mergeOver(pool, 0, 1, 0, steps)).toEqual({ refused: "one descends from the other" });
  });

  it("lists only merges that are possible, new and untried, in a fixed order", () => {
    const none = () => false;
    const all = mergeOptions(pool, [0, 1, 2, 3, 4, 5], steps, [], none).map((p) => [p.a, p.b, p.ancestor]);
    expect(all).toEqual([
      [1, 2, 0],
      [2, 3, 0],
      [2, 4, 0],
    ]);
    expect(mergeOptions(pool, [0, 1, 2, 3, 4, 5], steps, [tripleKey(2, 1, 0)], none).map((p) => [p.a, p.b])).toEqual([
      [2, 3],
      [2, 4],
    ]);
    // A merge whose state is already in the pool is not offered again.
    const known = (s: ProgramState) => instructionsOf(s).a === "A1";
    expect(mergeOptions(pool, [1, 2], steps, [], known)).toEqual([]);
    // The ancestor must not score better than either descendant.
    const worse = pool.map((m, i) => (i === 0 ? { ...m, mean: 0.9 } : m));
    expect(mergeOptions(worse, [1, 2], steps, [], none)).toEqual([]);
  });

  it("judges a merge first where its parents differ", () => {
    const sub = mergeSubsample([1, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 1], 2, new Rng(1));
    expect(sub).toEqual([1, 3]);
    const topped = mergeSubsample([1, 0, 1, 1], [1, 1, 1, 1], 3, new Rng(1));
    expect(topped).toContain(1);
    expect(topped).toHaveLength(3);
  });
});

describe("GEPA steps", () => {
  const train = examples("t", 8);
  const dev = examples("d", 4);

  function script(extra: Partial<Script> = {}): Script {
    return { steps: ["s"], baseline: stateOf({ s: "i" }), train, dev, score: () => 0.5, settings: { minibatch: 4, merges: 5, merge_subsample: 2, iterations: 0 }, ...extra };
  }

  it("starts from the baseline with its score on every dev example, in dev order", async () => {
    const score = table({ i: { d0: 1, d1: 0, d2: 0.5, d3: 1 } });
    const { ctx } = fakeContext(script({ score }));
    const state = await gepa.init(ctx, await scoreBaseline(ctx));
    expect(state.pool).toHaveLength(1);
    expect(state.pool[0]).toMatchObject({ candidate: stateHash(ctx.baseline), scores: [1, 0, 0.5, 1], mean: 0.625, parents: [], origin: "program" });
    expect(gepa.best(state)).toMatchObject({ candidate: stateHash(ctx.baseline), score: 0.625 });
    // Plain JSON.
    expect(clone(state)).toEqual(state);
  });

  it("rejects a child that only equals its parent on the minibatch, without a dev evaluation", async () => {
    const { ctx, log } = fakeContext(script({ score: () => 0.5 }));
    const first = await gepa.init(ctx, await scoreBaseline(ctx));
    const { state, done } = await gepa.step(ctx, first);
    expect(done).toBe(false);
    expect(log.evaluations.map((e) => e.dataset)).toEqual(["dev", "train", "train"]);
    const [parentRun, childRun] = log.evaluations.slice(1);
    expect(childRun!.ids).toEqual(parentRun!.ids);
    expect(childRun!.instructions).toEqual({ s: "i+" });
    expect(log.events.map((e) => e.type)).toEqual(["proposal", "rejected"]);
    expect(log.events[1]!.data).toMatchObject({ parentSum: 2, childSum: 2 });
    expect(state.pool).toHaveLength(1);
    expect(state.counts).toMatchObject({ proposals: 1, rejected: 1, accepted: 0, reflections: 1 });
    // The child was recorded as a candidate all the same, with its parent.
    expect(log.candidates).toMatchObject([{ hash: stateHash(stateOf({ s: "i+" })), origin: "reflection", parents: [stateHash(stateOf({ s: "i" }))] }]);
    // The input state is untouched.
    expect(first.pool).toHaveLength(1);
    expect(first.iteration).toBe(0);
  });

  it("accepts a strictly better child, scores it on dev and adds it to the pool with its parent", async () => {
    const score = (s: ProgramState, e: Example, dataset: string) => (s.steps.s!.instruction === "i+" ? (dataset === "train" ? (e.id === "t0" || e.id === "t5" ? 1 : 0.5) : 0.75) : 0.5);
    const { ctx, log } = fakeContext(script({ score }));
    let state = await gepa.init(ctx, await scoreBaseline(ctx));
    // Only some minibatches contain t0 or t5: step until one does.
    for (let i = 0; i < 4 && state.pool.length === 1; i++) state = (await gepa.step(ctx, state)).state;
    expect(state.pool).toHaveLength(2);
    expect(log.evaluations.at(-1)).toMatchObject({ dataset: "dev", instructions: { s: "i+" }, ids: ["d0", "d1", "d2", "d3"] });
    expect(state.pool[1]).toMatchObject({ parents: [0], origin: "reflection", scores: [0.75, 0.75, 0.75, 0.75], mean: 0.75 });
    const accepted = log.events.find((e) => e.type === "accepted")!;
    expect(accepted.data).toMatchObject({ parent: state.pool[0]!.candidate, child: state.pool[1]!.candidate, step: "s", dev: 0.75, newBest: true });
    expect((accepted.data.childSum as number) > (accepted.data.parentSum as number)).toBe(true);
    expect(gepa.best(state).candidate).toBe(state.pool[1]!.candidate);
    // A merge is now due (tried after a success), though a single-step program has nothing to merge.
    expect(state.merge).toMatchObject({ due: 1, lastFoundNew: true });
  });

  it("rewrites the steps of a candidate in turn", async () => {
    const { ctx, log } = fakeContext(script({ steps: ["s1", "s2"], baseline: stateOf({ s1: "x", s2: "y" }) }));
    let state = await gepa.init(ctx, await scoreBaseline(ctx));
    for (let i = 0; i < 4; i++) state = (await gepa.step(ctx, state)).state;
    expect(log.proposals.map((p) => p.step)).toEqual(["s1", "s2", "s1", "s2"]);
    expect(log.proposals.every((p) => p.purpose === "reflect")).toBe(true);
    expect(log.proposals[1]!.instruction).toBe("y");
  });

  it("advances the sampler by a minibatch per iteration, through epochs", async () => {
    const { ctx, log } = fakeContext(script());
    let state = await gepa.init(ctx, await scoreBaseline(ctx));
    const positions: number[] = [];
    for (let i = 0; i < 3; i++) {
      state = (await gepa.step(ctx, state)).state;
      positions.push(state.sampler.position);
    }
    expect(positions).toEqual([4, 8, 4]);
    expect(state.sampler.epoch).toBe(2);
    const batches = log.evaluations.filter((e, i) => e.dataset === "train" && i % 2 === 1).map((e) => e.ids);
    expect([...batches[0]!, ...batches[1]!].sort()).toEqual(train.map((e) => e.id).sort());
  });

  it("does not reflect on a minibatch the parent already gets perfect", async () => {
    const { ctx, log } = fakeContext(script({ score: () => 1 }));
    const { state } = await gepa.step(ctx, await gepa.init(ctx, await scoreBaseline(ctx)));
    expect(log.proposals).toHaveLength(0);
    expect(log.events.map((e) => e.type)).toEqual(["skipped"]);
    expect(state.counts.skipped).toBe(1);
  });

  it("rejects, without evaluating, a reflection that changes nothing", async () => {
    const { ctx, log } = fakeContext(script({ propose: (a) => a.instruction }));
    const { state } = await gepa.step(ctx, await gepa.init(ctx, await scoreBaseline(ctx)));
    expect(log.evaluations.map((e) => e.dataset)).toEqual(["dev", "train"]);
    expect(log.events.map((e) => e.type)).toEqual(["rejected"]);
    expect(state.counts.unchanged).toBe(1);
  });

  it("records an unreadable reflection as a failed proposal and goes on to the next iteration", async () => {
    const { ctx, log } = fakeContext(script({ propose: () => ({ ok: false, error: "could not read the LM's answer" }) }));
    const first = await gepa.init(ctx, await scoreBaseline(ctx));
    const { state, done } = await gepa.step(ctx, first);
    expect(done).toBe(false);
    expect(log.events.map((e) => e.type)).toEqual(["proposal-failed"]);
    expect(log.events[0]!.data).toMatchObject({ iteration: 1, step: "s", sample: 0, error: "could not read the LM's answer" });
    // No child, nothing evaluated after the reflection; the call is counted.
    expect(log.candidates).toHaveLength(0);
    expect(log.evaluations.map((e) => e.dataset)).toEqual(["dev", "train"]);
    expect(state.counts).toMatchObject({ reflections: 1, failed: 1, proposals: 0 });
    expect(Object.values(state.unreadable!)).toEqual([1]);
    const next = await gepa.step(ctx, state);
    expect(next.state.iteration).toBe(2);
    expect(first.counts.failed).toBe(0);
  });

  it("asks a reflection that could not be read at the next sample when the same request comes again", async () => {
    // One train example: every iteration reflects on the same parent with the same records.
    const propose = (a: { instruction: string; sample: number }) => (a.sample === 0 ? { ok: false as const, error: "garbage" } : `${a.instruction}+`);
    const { ctx, log } = fakeContext(script({ train: examples("t", 1), propose }));
    let state = await gepa.init(ctx, await scoreBaseline(ctx));
    // Each step from a JSON copy of the last state, as a resumed run would take it.
    for (let i = 0; i < 3; i++) state = (await gepa.step(ctx, clone(state))).state;
    expect(log.proposals.map((p) => p.sample)).toEqual([0, 1, 1]);
    expect(log.events.map((e) => e.type)).toEqual(["proposal-failed", "proposal", "rejected", "proposal", "rejected"]);
    expect(state.counts).toMatchObject({ reflections: 3, failed: 1, proposals: 2 });
  });

  it("reads a checkpoint from before failed reflections were counted", async () => {
    const { ctx, log } = fakeContext(script({ propose: () => ({ ok: false, error: "garbage" }) }));
    const old = stateWith([member(ctx.baseline, [0.5, 0.5, 0.5, 0.5])]);
    expect(old.unreadable).toBeUndefined();
    const { state } = await gepa.step(ctx, old);
    expect(log.proposals[0]!.sample).toBe(0);
    expect(state.counts.failed).toBe(1);
    expect(Object.values(state.unreadable!)).toEqual([1]);
  });

  it("stops after `iterations` iterations when set", async () => {
    const { ctx } = fakeContext(script({ settings: { minibatch: 4, merges: 0, merge_subsample: 2, iterations: 2 } }));
    let state = await gepa.init(ctx, await scoreBaseline(ctx));
    const r1 = await gepa.step(ctx, state);
    expect(r1.done).toBe(false);
    state = r1.state;
    expect((await gepa.step(ctx, state)).done).toBe(true);
  });

  describe("patience", () => {
    const settings = (patience: number) => ({ minibatch: 4, merges: 0, merge_subsample: 2, iterations: 0, patience });
    /** Steps from JSON copies (as a resumed run takes them) until done or `most` steps; the steps taken. */
    async function stepsUntilDone(ctx: ReturnType<typeof fakeContext>["ctx"], state: GepaState, most: number) {
      for (let n = 1; n <= most; n++) {
        const r = await gepa.step(ctx, clone(state));
        state = r.state;
        if (r.done) return { steps: n, state };
      }
      return { steps: most, state };
    }

    it("stops after `patience` iterations in a row whose reflection gives nothing new, saying so", async () => {
      const { ctx, log } = fakeContext(script({ propose: (a) => a.instruction, settings: settings(3) }));
      const { steps, state } = await stepsUntilDone(ctx, await gepa.init(ctx, await scoreBaseline(ctx)), 50);
      expect(steps).toBe(3);
      expect(state.stopped).toBe("no new candidates in 3 iterations");
      expect(gepa.stopped!(state)).toBe("no new candidates in 3 iterations");
      expect(log.events.map((e) => e.type)).toEqual(["rejected", "rejected", "rejected", "stopped"]);
      expect(log.events.at(-1)!.data.summary).toBe("GEPA stops after 3 iterations: no new candidates in 3 iterations");
    });

    it("counts a child already in the pool, a perfect parent and an unreadable reflection as nothing new", async () => {
      // Iteration 1 makes a new child (accepted: better on everything); after that reflection
      // gives that child's instruction again (already in the pool) or cannot be read.
      let n = 0;
      const propose = (): string | { ok: false; error: string } => (++n === 1 ? "i2" : n % 2 === 0 ? "i2" : { ok: false, error: "garbage" });
      const score = (state: ProgramState) => (instructionsOf(state).s === "i2" ? 0.9 : 0.5);
      const { ctx, log } = fakeContext(script({ propose, score, settings: settings(4) }));
      const { steps, state } = await stepsUntilDone(ctx, await gepa.init(ctx, await scoreBaseline(ctx)), 50);
      expect(state.counts.accepted).toBe(1);
      expect(steps).toBe(1 + 4);
      expect(log.events.map((e) => e.type)).toEqual(["proposal", "accepted", "rejected", "proposal-failed", "rejected", "proposal-failed", "stopped"]);

      const perfect = fakeContext(script({ score: () => 1, settings: settings(2) }));
      const done = await stepsUntilDone(perfect.ctx, await gepa.init(perfect.ctx, await scoreBaseline(perfect.ctx)), 50);
      expect(done.steps).toBe(2);
      expect(done.state.counts.skipped).toBe(2);
    });

    it("starts counting again at every new candidate, even one the minibatch rejects", async () => {
      // Every third reflection gives a new instruction (rejected: it scores as its parent does).
      let n = 0;
      const propose = (a: { instruction: string }) => (++n % 3 === 0 ? `${a.instruction}+${n}` : a.instruction);
      const { ctx } = fakeContext(script({ propose, settings: settings(3) }));
      const { steps, state } = await stepsUntilDone(ctx, await gepa.init(ctx, await scoreBaseline(ctx)), 30);
      expect(steps).toBe(30);
      expect(state.stopped).toBeUndefined();
      expect(state.counts.rejected).toBe(10);
    });

    it("never stops on patience 0; a checkpoint from before patience counts from its next iteration", async () => {
      const { ctx } = fakeContext(script({ propose: (a) => a.instruction, settings: settings(0) }));
      const off = await stepsUntilDone(ctx, await gepa.init(ctx, await scoreBaseline(ctx)), 40);
      expect(off.steps).toBe(40);
      expect(off.state.stale).toBe(40);

      const old = fakeContext(script({ propose: (a) => a.instruction, settings: settings(2) }));
      const before = stateWith([member(old.ctx.baseline, [0.5, 0.5, 0.5, 0.5])]);
      expect(before.stale).toBeUndefined();
      expect((await stepsUntilDone(old.ctx, before, 10)).steps).toBe(2);
    });
  });

  describe("merging", () => {
    const root = stateOf({ a: "a", b: "b" });
    const left = stateOf({ a: "a1", b: "b" });
    const right = stateOf({ a: "a", b: "b2" });
    const pool = () => [member(root, [0.5, 0.5, 0.5, 0.5]), member(left, [1, 0, 0.5, 0.5], [0]), member(right, [0, 1, 0.5, 0.5], [0])];

    it("after a success, merges two frontier candidates that improved different steps of a common ancestor", async () => {
      const score = table({ "a1|b2": { d0: 1, d1: 1, d2: 0.5, d3: 1 } });
      const { ctx, log } = fakeContext(script({ steps: ["a", "b"], baseline: root, score }));
      const before = stateWith(pool(), { due: 1, lastFoundNew: true });
      const { state } = await gepa.step(ctx, before);
      // Judged on the dev examples where the parents differ (d0, d1), then on the rest of dev.
      expect(log.evaluations).toMatchObject([
        { instructions: { a: "a1", b: "b2" }, dataset: "dev", ids: ["d0", "d1"] },
        { instructions: { a: "a1", b: "b2" }, dataset: "dev", ids: ["d2", "d3"] },
      ]);
      expect(log.proposals).toHaveLength(0);
      expect(log.candidates).toMatchObject([{ hash: stateHash(stateOf({ a: "a1", b: "b2" })), origin: "merge", parents: [stateHash(left), stateHash(right)] }]);
      expect(state.pool[3]).toMatchObject({ origin: "merge", parents: [1, 2], scores: [1, 1, 0.5, 1], mean: 0.875 });
      expect(log.events.map((e) => e.type)).toEqual(["merge"]);
      expect(log.events[0]!.data).toMatchObject({ ancestor: stateHash(root), steps: { [stateHash(left)]: ["a"], [stateHash(right)]: ["b"] } });
      expect(state.merge).toMatchObject({ due: 0, tested: 1, accepted: 1, tried: ["1+2/0"], lastFoundNew: false });
      expect(gepa.best(state).candidate).toBe(stateHash(stateOf({ a: "a1", b: "b2" })));
    });

    it("rejects a merge that does worse than the better parent where they differ", async () => {
      const score = table({ "a1|b2": { d0: 1, d1: 0 } });
      const { ctx, log } = fakeContext(script({ steps: ["a", "b"], baseline: root, score }));
      const { state } = await gepa.step(ctx, stateWith(pool(), { due: 1, lastFoundNew: true }));
      // 1 + 0 is not worse than either parent's 1 + 0 or 0 + 1: accepted as "not worse than both".
      expect(log.events.map((e) => e.type)).toEqual(["merge"]);
      expect(state.pool).toHaveLength(4);

      const worse = table({ "a1|b2": { d0: 0, d1: 0.5 } });
      const second = fakeContext(script({ steps: ["a", "b"], baseline: root, score: worse }));
      const after = (await gepa.step(second.ctx, stateWith(pool(), { due: 1, lastFoundNew: true }))).state;
      expect(second.log.events.map((e) => e.type)).toEqual(["merge-rejected"]);
      expect(second.log.evaluations).toHaveLength(1);
      expect(after.pool).toHaveLength(3);
      expect(after.merge).toMatchObject({ due: 0, tested: 1, accepted: 0, tried: ["1+2/0"] });
    });

    it("reflects instead when no merge is possible or none is due", async () => {
      const { ctx, log } = fakeContext(script({ steps: ["a", "b"], baseline: root }));
      // Both children changed step a: nothing to merge.
      const same = [member(root, [0.5, 0.5, 0.5, 0.5]), member(left, [1, 0, 0.5, 0.5], [0]), member(stateOf({ a: "a2", b: "b" }), [0, 1, 0.5, 0.5], [0])];
      const { state } = await gepa.step(ctx, stateWith(same, { due: 1, lastFoundNew: true }));
      expect(log.events[0]!.type).toBe("proposal");
      expect(state.merge).toMatchObject({ due: 1, tested: 0, lastFoundNew: false });

      const quiet = fakeContext(script({ steps: ["a", "b"], baseline: root }));
      await gepa.step(quiet.ctx, stateWith(pool(), { due: 1, lastFoundNew: false }));
      expect(quiet.log.events[0]!.type).toBe("proposal");
    });

    it("does not merge when merges are off", async () => {
      const { ctx, log } = fakeContext(script({ steps: ["a", "b"], baseline: root, settings: { minibatch: 4, merges: 0, merge_subsample: 2, iterations: 0 } }));
      await gepa.step(ctx, stateWith(pool(), { due: 1, lastFoundNew: true }));
      expect(log.events[0]!.type).toBe("proposal");
    });
  });

  it("continues from a JSON copy of its state exactly as it would have gone on", async () => {
    // Scores that vary with the instruction and the example, so that children are accepted or not,
    // the frontier has several members and merges happen.
    const hash = (text: string) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
    const score = (s: ProgramState, e: Example) => (hash(`${Object.values(instructionsOf(s)).join("|")}#${e.id}`) % 3) / 2;
    const propose = (a: { instruction: string; records: { inputs: Record<string, unknown> }[] }) => `${a.instruction}+${String(a.records[0]!.inputs.text).split(" ").at(-1)}`;
    const base = (): Script => ({
      steps: ["a", "b"],
      baseline: stateOf({ a: "a", b: "b" }),
      train: examples("t", 10),
      dev: examples("d", 6),
      score,
      propose,
      settings: { minibatch: 3, merges: 5, merge_subsample: 3, iterations: 0 },
    });
    const one = fakeContext({ ...base(), rng: new Rng(7) });
    let state = await gepa.init(one.ctx, await scoreBaseline(one.ctx));
    for (let i = 0; i < 6; i++) state = (await gepa.step(one.ctx, state)).state;
    // The checkpoint: state, RNG and budget as JSON.
    const checkpoint = clone({ state, rng: one.ctx.rng.state(), used: one.budget.snapshot() });
    const mark = { events: one.log.events.length, evaluations: one.log.evaluations.length, candidates: one.log.candidates.length, proposals: one.log.proposals.length };
    for (let i = 0; i < 10; i++) state = (await gepa.step(one.ctx, state)).state;

    const two = fakeContext({ ...base(), rng: new Rng(checkpoint.rng), used: checkpoint.used });
    let resumed = checkpoint.state;
    for (let i = 0; i < 10; i++) resumed = (await gepa.step(two.ctx, resumed)).state;

    expect(resumed).toEqual(state);
    expect(two.log.events).toEqual(one.log.events.slice(mark.events));
    expect(two.log.evaluations).toEqual(one.log.evaluations.slice(mark.evaluations));
    expect(two.log.candidates).toEqual(one.log.candidates.slice(mark.candidates));
    expect(two.log.proposals).toEqual(one.log.proposals.slice(mark.proposals));
    // The run did something worth replaying.
    expect(state.pool.length).toBeGreaterThan(2);
    const replayed = two.log.events.map((e) => e.type);
    for (const type of ["proposal", "accepted", "rejected", "merge"]) expect(replayed).toContain(type);
  });

  it("lets BudgetExhausted through and leaves the state it was given untouched", async () => {
    // The baseline on dev (4) and the minibatch twice (8) fit; the reflection call or the dev
    // evaluation of the accepted child does not.
    const score = (s: ProgramState) => (s.steps.s!.instruction === "i+" ? 1 : 0.5);
    for (const calls of [4 + 4, 4 + 4 + 1 + 4]) {
      const { ctx, budget } = fakeContext(script({ score, limits: { calls } }));
      const first = await gepa.init(ctx, await scoreBaseline(ctx));
      const before = clone(first);
      await expect(gepa.step(ctx, first)).rejects.toBeInstanceOf(BudgetExhausted);
      expect(first).toEqual(before);
      expect(budget.used.calls).toBeLessThanOrEqual(calls);
    }
  });

  it("plans in iterations and needs at least one full iteration", () => {
    const plan = gepa.plan({ callsPerExample: 1, train: 200, dev: 70, lmSteps: 1, calls: 1790, settings: gepa.settings.parse({ minibatch: 4 }) });
    expect(plan.minimumCalls).toBe(2 * 4 + 1 + 70);
    // From every child accepted (79 calls each) to none made at all (the parent's minibatch run, 4).
    expect(plan.buys).toMatch(/^≈ 22–447 GEPA iterations/);
    expect(plan.buys).toContain("an iteration costs 79 LM calls when its child is accepted, 9 when rejected on the 4-example train minibatch, 5 when reflection gives nothing new, 4 when the parent is perfect on its minibatch");
    expect(plan.buys).toContain("stops after 20 iterations in a row without a new candidate");
    // An iterations setting caps both ends; patience 0 says nothing of stopping.
    const capped = gepa.plan({ callsPerExample: 1, train: 200, dev: 70, lmSteps: 1, calls: 1790, settings: gepa.settings.parse({ minibatch: 4, iterations: 30, patience: 0 }) });
    expect(capped.buys).toMatch(/^≈ 22–30 GEPA iterations/);
    expect(capped.buys).not.toContain("in a row");
    const two = gepa.plan({ callsPerExample: 2, train: 130, dev: 60, lmSteps: 2, calls: 1640, settings: gepa.settings.parse({}) });
    expect(two.minimumCalls).toBe(2 * gepa.settings.parse({}).minibatch * 2 + 1 + 120);
    expect(two.buys).toContain("up to 5 merges");
  });
});
