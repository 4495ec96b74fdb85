import { describe, expect, it } from "vitest";
import type { Program } from "../../src/runtime/program.js";
import { bootstrap } from "../../src/optimize/optimizers/bootstrap.js";
import { newCollection, stopCollecting } from "../../src/optimize/optimizers/bootstrap/collect.js";
import { Budget } from "../../src/optimize/budget.js";
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

const settings = (s: Record<string, unknown> = {}) => bootstrap.settings.parse(s);
const passOnly =
  (ids: string[], otherwise = 0): TeacherFn =>
  (e) => ({ score: ids.includes(e.id) ? 1 : otherwise });
/** The example id a traced demo came from ("because e3@0" → "e3@0"). */
const tagOf = (demo: Record<string, unknown>) => String(demo.reasoning ?? "").replace(/^because /, "");

async function run(program: Program, options: Omit<FakeOptions, "program">) {
  const { ctx, log } = fakeContext({ program, ...options });
  const out = await runToEnd(bootstrap, ctx, baselineSet(program));
  return { ...out, log };
}

describe("bootstrap", () => {
  it("makes demos only from traces whose example passed the metric", async () => {
    const program = await oneStepProgram();
    const train = examples(12);
    const teacher: TeacherFn = (e) => {
      if (e.id === "e3") return { score: 0.99 }; // almost: not a pass at threshold 1
      if (e.id === "e4") return { score: 1, error: true }; // failed to run
      return { score: ["e2", "e5", "e7"].includes(e.id) ? 1 : 0 };
    };
    const { best, log } = await run(program, { train, settings: settings({ max_bootstrapped: 4, max_labeled: 6 }), teacher, devScore: () => 0.9 });

    const demos = demosOf(best.state, "classify");
    expect(demos).toHaveLength(6);
    const traced = demos.filter((d) => "reasoning" in d);
    expect(traced.map(tagOf).sort()).toEqual(["e2@0", "e5@0", "e7@0"]);
    // Traced demos come first, then labeled ones: gold labels, no reasoning, other examples only.
    expect(demos.slice(0, 3)).toEqual(traced);
    const labeled = demos.slice(3);
    const byText = new Map(train.map((e) => [e.inputs.text, e]));
    for (const d of labeled) {
      const e = byText.get(d.text)!;
      expect(["e2", "e5", "e7"]).not.toContain(e.id);
      expect(d).toEqual({ text: e.inputs.text, label: e.labels.label });
    }
    // Every example went to the teacher once, with the deterministic sample.
    expect(log.teacher.every((t) => t.sample === 0)).toBe(true);
    expect(log.teacher.flatMap((t) => t.ids).sort()).toEqual(train.map((e) => e.id).sort());
    expect(log.events.find((e) => e.type === "demos")?.data.examples).toEqual(traced.map((d) => tagOf(d).split("@")[0]));
  });

  it("lowers the bar with `threshold`", async () => {
    const program = await oneStepProgram();
    const teacher: TeacherFn = (e) => ({ score: e.id === "e1" ? 0.6 : e.id === "e2" ? 0.4 : 0 });
    const { best } = await run(program, { train: examples(6), settings: settings({ threshold: 0.5, max_labeled: 0 }), teacher, devScore: () => 0.9 });
    expect(demosOf(best.state, "classify").map(tagOf)).toEqual(["e1@0"]);
  });

  it("keeps at most max_bootstrapped traces and fills up to max_labeled demos in all", async () => {
    const program = await oneStepProgram();
    const all: TeacherFn = () => ({ score: 1 });
    const a = await run(program, { train: examples(20), settings: settings({ max_bootstrapped: 3, max_labeled: 5 }), teacher: all, devScore: () => 0.9 });
    const demos = demosOf(a.best.state, "classify");
    expect(demos.map((d) => "reasoning" in d)).toEqual([true, true, true, false, false]);
    // All pass: one teacher batch is enough (at least 8 examples, twice what is missing).
    expect(a.log.teacher).toHaveLength(1);
    expect(a.log.teacher[0]!.ids).toHaveLength(8);

    const b = await run(program, { train: examples(20), settings: settings({ max_bootstrapped: 3, max_labeled: 2 }), teacher: all, devScore: () => 0.9 });
    expect(demosOf(b.best.state, "classify").map((d) => "reasoning" in d)).toEqual([true, true, true]);

    const c = await run(program, { train: examples(20), settings: settings({ max_bootstrapped: 0, max_labeled: 4 }), teacher: all, devScore: () => 0.9 });
    expect(c.log.teacher).toHaveLength(0);
    expect(demosOf(c.best.state, "classify").map((d) => "reasoning" in d)).toEqual([false, false, false, false]);
  });

  it("gives every LM step of a multi-step program a demo with that step's own fields", async () => {
    const program = await twoStepProgram();
    const train = examples(10);
    const { best } = await run(program, { train, settings: settings({ max_bootstrapped: 2, max_labeled: 3 }), teacher: passOnly(["e1", "e6"]), devScore: () => 0.9 });
    const classify = demosOf(best.state, "classify");
    const judge = demosOf(best.state, "judge");
    expect(classify).toHaveLength(3);
    expect(judge).toHaveLength(3);
    const tags = classify.slice(0, 2).map(tagOf);
    expect([...tags].sort()).toEqual(["e1@0", "e6@0"]);
    tags.forEach((tag, i) => {
      const e = train.find((x) => `${x.id}@0` === tag)!;
      expect(classify[i]).toEqual({ text: e.inputs.text, reasoning: `because ${tag}`, label: `label-of-${tag}` });
      // The second step's input is what the first step traced, not the gold label.
      expect(judge[i]).toEqual({ text: e.inputs.text, label: `label-of-${tag}`, grade: `grade-of-${tag}` });
    });
    // Labeled demos: gold values, the first step's gold output as the second step's input.
    const byText = new Map(train.map((e) => [e.inputs.text, e]));
    const e = byText.get(judge[2]!.text)!;
    expect(judge[2]).toEqual({ text: e.inputs.text, label: e.labels.label, grade: e.labels.grade });
    expect(classify[2]).not.toHaveProperty("reasoning");
  });

  it("re-tries only the failed examples in later rounds, with a new sample", async () => {
    const program = await oneStepProgram();
    const train = examples(6);
    const teacher: TeacherFn = (e, sample) => ({ score: (sample === 0 ? ["e0", "e1"] : ["e1", "e3", "e4", "e5"]).includes(e.id) ? 1 : 0 });
    const two = await run(program, { train, settings: settings({ max_bootstrapped: 4, max_labeled: 0, rounds: 2 }), teacher, devScore: () => 0.9 });
    expect(two.log.teacher.map((t) => t.sample)).toEqual([0, 1]);
    expect([...two.log.teacher[0]!.ids].sort()).toEqual(["e0", "e1", "e2", "e3", "e4", "e5"]);
    expect([...two.log.teacher[1]!.ids].sort()).toEqual(["e2", "e3", "e4", "e5"]);
    const tags = demosOf(two.best.state, "classify").map(tagOf);
    expect(tags.slice(0, 2).sort()).toEqual(["e0@0", "e1@0"]);
    expect(tags).toHaveLength(4);
    for (const t of tags.slice(2)) expect(["e3@1", "e4@1", "e5@1"]).toContain(t);
    // The order of round 2 is round 1's: the first two of e3, e4, e5 in the seeded order.
    const order = two.log.teacher[1]!.ids.filter((id) => ["e3", "e4", "e5"].includes(id)).slice(0, 2);
    expect(tags.slice(2)).toEqual(order.map((id) => `${id}@1`));

    const one = await run(program, { train, settings: settings({ max_bootstrapped: 4, max_labeled: 0, rounds: 1 }), teacher, devScore: () => 0.9 });
    expect(demosOf(one.best.state, "classify").map(tagOf).sort()).toEqual(["e0@0", "e1@0"]);
  });

  it("goes through the train set in a seeded order: the same seed gives the same candidate", async () => {
    const program = await oneStepProgram();
    const train = examples(30);
    const teacher = passOnly(train.filter((_, i) => i % 3 === 0).map((e) => e.id));
    const options = { train, settings: settings({ max_bootstrapped: 3, max_labeled: 5 }), teacher, devScore: () => 0.9 };
    const a = await run(program, { ...options, rng: 7 });
    const b = await run(program, { ...options, rng: 7 });
    const c = await run(program, { ...options, rng: 8 });
    expect(b.best.state).toEqual(a.best.state);
    expect(b.log).toEqual(a.log);
    expect(c.log.teacher[0]!.ids).not.toEqual(a.log.teacher[0]!.ids);
  });

  it("keeps plain JSON state: continuing from a parsed checkpoint after every step ends where an uninterrupted run does", async () => {
    const program = await twoStepProgram();
    const train = examples(40);
    const teacher: TeacherFn = (e, sample) => ({ score: Number(e.id.slice(1)) % (sample === 0 ? 9 : 4) === 0 ? 1 : 0 });
    const options = { program, train, settings: settings({ max_bootstrapped: 6, max_labeled: 8, rounds: 3 }), teacher, devScore: () => 0.9 };
    const { ctx, log } = fakeContext(options);
    const straight = await runToEnd(bootstrap, ctx, baselineSet(program));
    const resumed = await runResumingEveryStep(bootstrap, (rng, shared) => fakeContext({ ...options, rng, ...(shared ? { log: shared } : {}) }), baselineSet(program));
    expect(straight.steps).toBeGreaterThan(2);
    expect(resumed.steps).toBe(straight.steps);
    expect(resumed.state).toEqual(straight.state);
    expect(resumed.log).toEqual(log);
  });

  it("keeps the baseline unless the candidate scores higher on dev", async () => {
    const program = await oneStepProgram();
    const base = stateHash(program.state);
    const options = { train: examples(10), settings: settings(), teacher: passOnly(["e1"]) };
    const worse = await run(program, { ...options, devScore: () => 0.25 });
    expect(worse.best.candidate).toBe(base);
    expect(worse.best.state).toEqual(program.state);
    expect(worse.log.events.map((e) => e.type)).toEqual(["demos", "proposal", "rejected"]);
    const better = await run(program, { ...options, devScore: () => 0.3 });
    expect(better.best.candidate).not.toBe(base);
    expect(better.best.score).toBe(0.3);
    expect(better.log.candidates).toEqual([{ hash: better.best.candidate, origin: "bootstrap", parents: [base] }]);
    expect(better.log.evaluated.map((e) => e.dataset)).toEqual(["dev"]);
    expect(better.log.events.map((e) => e.type)).toEqual(["demos", "proposal", "accepted"]);
  });

  it("lets BudgetExhausted from the teacher or from evaluate through to the driver", async () => {
    const program = await oneStepProgram();
    const base = { train: examples(10), settings: settings(), teacher: passOnly(["e1"]) };
    await expect(run(program, { ...base, evaluations: 0 })).rejects.toBeInstanceOf(BudgetExhausted);
    await expect(run(program, { ...base, teacherCalls: 0 })).rejects.toBeInstanceOf(BudgetExhausted);
  });

  it("plans what the budget buys", () => {
    const plan = bootstrap.plan({ callsPerExample: 2, train: 100, dev: 30, lmSteps: 2, calls: 1000, settings: settings() });
    expect(plan.buys).toContain("1 candidate scored on dev (60 LM calls)");
    expect(plan.buys).toContain("at most 200 LM calls");
    expect(plan.minimumCalls).toBe(8 * 2 + 60);
  });

  it("stops collecting when the budget left pays for the dev evaluation but not for another teacher batch too", () => {
    // 4 traces missing: the next teacher batch is 8 examples; dev is 10 examples; 2 calls per example.
    const c = newCollection(Array.from({ length: 50 }, (_, i) => i), 4);
    const left = (calls: number, rollouts?: number) => new Budget({ calls: 100, ...(rollouts !== undefined ? { rollouts } : {}) }, { calls: 100 - calls, usd: 0, rollouts: 0, proposalCalls: 0, elapsedMs: 0 });
    expect(stopCollecting(left(36), c, 10, 2)).toBe(false); // batch (16) + dev (20) fit
    expect(stopCollecting(left(35), c, 10, 2)).toBe(true); // dev fits, batch + dev do not
    expect(stopCollecting(left(20), c, 10, 2)).toBe(true);
    expect(stopCollecting(left(19), c, 10, 2)).toBe(false); // not even dev fits: nothing to gain by stopping
    expect(stopCollecting(left(100, 17), c, 10, 2)).toBe(true); // rollouts: 10 fit, 18 do not
    expect(stopCollecting(new Budget({}), c, 10, 2)).toBe(false);
    // One trace missing: the batch is the least one (8 examples), and never more than the train set.
    const short = newCollection([0, 1, 2], 1);
    expect(stopCollecting(left(26), short, 10, 2)).toBe(false); // 3 examples + dev = 26 calls
    expect(stopCollecting(left(25), short, 10, 2)).toBe(true);
  });
});
