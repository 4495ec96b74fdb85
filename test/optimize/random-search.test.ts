import { describe, expect, it } from "vitest";
import type { Program } from "../../src/runtime/program.js";
import { randomSearch, type RandomSearchState } from "../../src/optimize/optimizers/random-search.js";
import { BudgetExhausted } from "../../src/optimize/types.js";
import { stateHash } from "../../src/program/state.js";
import {
  baselineSet,
  demosOf,
  examples,
  fakeContext,
  oneStepProgram,
  runResumingEveryStep,
  runToEnd,
  twoStepProgram,
  type FakeOptions,
  type TeacherFn,
} from "./bootstrap-helpers.js";

const settings = (s: Record<string, unknown> = {}) => randomSearch.settings.parse({ candidates: 4, ...s });
const tagOf = (demo: Record<string, unknown>) => String(demo.reasoning ?? "").replace(/^because /, "");
const traced = (demos: Record<string, unknown>[]) => demos.filter((d) => "reasoning" in d).map(tagOf);
/** Odd examples pass with every sample. */
const odd: TeacherFn = (e) => ({ score: Number(e.id.slice(1)) % 2 === 1 ? 1 : 0 });

async function run(program: Program, options: Omit<FakeOptions, "program">) {
  const { ctx, log } = fakeContext({ program, ...options });
  const out = await runToEnd(randomSearch, ctx, baselineSet(program));
  return { ...out, log };
}

describe("random_search", () => {
  it("tries labeled only, bootstrapped in train order, then seeded shuffles of seeded sizes", async () => {
    const program = await oneStepProgram();
    const train = examples(20);
    const { state, log } = await run(program, { train, settings: settings({ max_bootstrapped: 4, max_labeled: 6 }), teacher: odd });

    expect(state.queue.map((q) => q.kind)).toEqual(["labeled", "bootstrap", "bootstrap", "bootstrap", "bootstrap", "bootstrap"]);
    const [, unshuffled, ...shuffled] = state.queue;
    expect(unshuffled).toMatchObject({ order: train.map((_, i) => i), max: 4 });
    for (const q of shuffled) {
      if (q.kind !== "bootstrap") throw new Error("expected a bootstrap plan");
      expect([...q.order].sort((a, b) => a - b)).toEqual(train.map((_, i) => i));
      expect(q.order).not.toEqual(train.map((_, i) => i));
      expect(q.max).toBeGreaterThanOrEqual(1);
      expect(q.max).toBeLessThanOrEqual(4);
    }

    // One dev evaluation per demo set, in queue order; the labeled-only set needs no teacher.
    expect(log.evaluated).toHaveLength(6);
    expect(log.candidates.map((c) => c.origin)).toEqual(["random_search:labeled", ...Array(5).fill("random_search:bootstrap")]);
    const sets = log.evaluated.map((e) => demosOf(e.state, "classify"));
    expect(traced(sets[0]!)).toEqual([]);
    expect(sets[0]).toHaveLength(6);
    expect(traced(sets[1]!)).toEqual(["e1@0", "e3@0", "e5@0", "e7@0"]);
    shuffled.forEach((q, k) => {
      if (q.kind !== "bootstrap") return;
      const expected = q.order.filter((i) => i % 2 === 1).slice(0, q.max).map((i) => `e${i}@0`);
      expect(traced(sets[k + 2]!)).toEqual(expected);
      expect(sets[k + 2]).toHaveLength(6);
    });
    expect(state.scored.map((s) => s.label)).toEqual(["zero-shot (baseline)", ...state.queue.map((q) => q.label)]);
  });

  it("keeps the best dev score (ties keep the earlier candidate)", async () => {
    const program = await oneStepProgram();
    const scores = [0.3, 0.5, 0.9, 0.4, 0.9, 0.1];
    const { best, log, state } = await run(program, { train: examples(20), settings: settings(), teacher: odd, devScore: (_, i) => scores[i]! });
    expect(best.candidate).toBe(log.evaluated[2]!.hash);
    expect(best.score).toBe(0.9);
    expect(best.state).toEqual(log.evaluated[2]!.state);
    expect(state.scored.map((s) => s.score)).toEqual([0.25, ...scores]);
    expect(log.events.filter((e) => e.type === "accepted")).toHaveLength(3);

    const none = await run(program, { train: examples(20), settings: settings(), teacher: odd, devScore: () => 0.25 });
    expect(none.best.candidate).toBe(stateHash(program.state));
  });

  it("draws the same candidates from the same seed, other ones from another", async () => {
    const program = await twoStepProgram();
    const options = { train: examples(30), settings: settings({ candidates: 5 }), teacher: odd };
    const a = await run(program, { ...options, rng: 3 });
    const b = await run(program, { ...options, rng: 3 });
    const c = await run(program, { ...options, rng: 4 });
    expect(b.log).toEqual(a.log);
    expect(b.state).toEqual(a.state);
    expect(c.log.candidates.map((x) => x.hash)).not.toEqual(a.log.candidates.map((x) => x.hash));
  });

  it("pays for each teacher result once, whatever the number of candidates", async () => {
    const program = await oneStepProgram();
    const train = examples(30);
    // Few pass, so collections walk most of the train set, twice (rounds: 2).
    const teacher: TeacherFn = (e, sample) => ({ score: Number(e.id.slice(1)) % (sample === 0 ? 11 : 7) === 0 ? 1 : 0 });
    const { log } = await run(program, { train, settings: settings({ candidates: 6, rounds: 2 }), teacher });
    const asked = log.teacher.flatMap((t) => t.ids.map((id) => `${id}@${t.sample}`));
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.length).toBeLessThanOrEqual(2 * train.length);
  });

  it("does not score a demo set twice", async () => {
    const program = await oneStepProgram();
    // Every example passes and no labeled demos: each set is its first 1 or 2 examples' traces.
    const { log, state } = await run(program, { train: examples(2), settings: settings({ candidates: 8, max_bootstrapped: 1, max_labeled: 0 }), teacher: () => ({ score: 1 }) });
    const hashes = log.evaluated.map((e) => e.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashes.length).toBeLessThan(state.queue.length);
    expect(state.scored).toHaveLength(state.queue.length + 1);
    expect(log.events.some((e) => e.type === "rejected" && String(e.data.summary).includes("the same demos as"))).toBe(true);
  });

  it("only ever uses traces of passing examples", async () => {
    const program = await twoStepProgram();
    const teacher: TeacherFn = (e, sample) => ({ score: e.id === "e4" && sample === 1 ? 1 : e.id === "e2" ? 0.9 : 0, error: e.id === "e6" });
    const { log } = await run(program, { train: examples(12), settings: settings({ rounds: 2, candidates: 3 }), teacher });
    for (const e of log.evaluated) {
      expect(traced(demosOf(e.state, "classify")).every((t) => t === "e4@1")).toBe(true);
      for (const d of demosOf(e.state, "judge")) if (String(d.grade).startsWith("grade-of-")) expect(d.grade).toBe("grade-of-e4@1");
    }
    expect(log.evaluated.some((e) => traced(demosOf(e.state, "classify")).length === 1)).toBe(true);
  });

  it("keeps plain JSON state: continuing from a parsed checkpoint after every step ends where an uninterrupted run does", async () => {
    const program = await twoStepProgram();
    const teacher: TeacherFn = (e, sample) => ({ score: Number(e.id.slice(1)) % (sample === 0 ? 5 : 3) === 0 ? 1 : 0 });
    const scores = [0.3, 0.6, 0.2, 0.7, 0.5, 0.7, 0.1];
    const options = { program, train: examples(40), settings: settings({ rounds: 2, candidates: 5 }), teacher, devScore: (_: unknown, i: number) => scores[i] ?? 0 };
    const { ctx, log } = fakeContext(options);
    const straight = await runToEnd(randomSearch, ctx, baselineSet(program));
    const resumed = await runResumingEveryStep(randomSearch, (rng, shared) => fakeContext({ ...options, rng, ...(shared ? { log: shared } : {}) }), baselineSet(program));
    expect(resumed.steps).toBe(straight.steps);
    expect(resumed.state).toEqual(straight.state);
    expect(resumed.log).toEqual(log);
    expect(resumed.best.score).toBe(0.7);
  });

  it("lets BudgetExhausted through, the last state holding the best so far", async () => {
    const program = await oneStepProgram();
    const scores = [0.3, 0.8, 0.4];
    const { ctx, log } = fakeContext({ program, train: examples(20), settings: settings(), teacher: odd, devScore: (_, i) => scores[i]!, evaluations: 3 });
    let state: RandomSearchState = await randomSearch.init(ctx, baselineSet(program));
    let thrown: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        state = (await randomSearch.step(ctx, state)).state;
      } catch (err) {
        thrown = err;
        break;
      }
    }
    expect(thrown).toBeInstanceOf(BudgetExhausted);
    expect(log.evaluated).toHaveLength(3);
    expect(randomSearch.best(state).candidate).toBe(log.evaluated[1]!.hash);
    expect(randomSearch.best(state).score).toBe(0.8);
  });

  it("plans how many demo sets the budget buys", () => {
    const input = { callsPerExample: 1, train: 100, dev: 50, lmSteps: 1, settings: settings({ candidates: 8 }) };
    expect(randomSearch.plan({ ...input, calls: 10_000 }).buys).toMatch(/^10 of 10 candidate demo sets, each scored on dev \(50 LM calls\)/);
    // 400 calls: 7 sets if the teacher needs one batch of 8, 6 if it runs over the whole train set.
    expect(randomSearch.plan({ ...input, calls: 400 }).buys).toMatch(/^6–7 of 10 /);
    expect(randomSearch.plan({ ...input, calls: 400 }).minimumCalls).toBe(50);
  });
});
