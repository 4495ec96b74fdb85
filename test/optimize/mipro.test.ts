import { describe, expect, it } from "vitest";
import { mipro } from "../../src/optimize/optimizers/mipro/mipro.js";
import { miproShape } from "../../src/optimize/optimizers/mipro/settings.js";
import type { MiproState } from "../../src/optimize/optimizers/mipro/state.js";
import { miproPlan } from "../../src/optimize/optimizers/mipro/plan.js";
import { TIPS } from "../../src/optimize/propose.js";
import type { ProposeArgs } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import type { ProgramState } from "../../src/program/state.js";
import type { Program } from "../../src/runtime/program.js";
import type { RngState } from "../../src/util/rng.js";
import { emptyLog, optimizerContext, scoreBaseline, type ContextLog } from "../support/optimizer-context.js";
import { examples, oneStepProgram, teacherResult, twoStepProgram } from "./bootstrap-helpers.js";

const settings = (s: Record<string, unknown> = {}) => mipro.settings.parse(s);
const traced = (demos: Record<string, unknown>[]) => demos.filter((d) => "reasoning" in d).map((d) => String(d.reasoning).replace(/^because /, ""));

/** A scripted metric: proposed instructions score by the number in them ("… #k"), demo sets add a little per demo. */
function score(state: ProgramState, example: Example): number {
  let total = 0;
  for (const s of Object.values(state.steps)) {
    const k = Number(/#(\d+)/.exec(s.instruction)?.[1] ?? 0);
    total += k / 10 + s.demos.length / 100;
  }
  // Per-example noise, so minibatches differ.
  return Math.min(1, total / Object.keys(state.steps).length + (Number(example.id.slice(1)) % 3) / 50);
}

interface Options {
  program: Program;
  train?: Example[];
  dev?: Example[];
  s?: Record<string, unknown>;
  rng?: number | RngState;
  log?: ContextLog;
  limits?: { calls?: number; rollouts?: number };
}

function context({ program, train = examples(20), dev = examples(50, "d"), s = {}, rng = 1, log, limits }: Options) {
  return optimizerContext({
    graph: program.graph,
    baseline: program.state,
    train,
    dev,
    settings: settings(s),
    rng,
    ...(log ? { log } : {}),
    ...(limits ? { limits } : {}),
    score,
    // Odd train examples pass.
    teacher: (e, i, sample) => teacherResult(program, e, i, sample, { score: Number(e.id.slice(1)) % 2 === 1 ? 1 : 0 }),
    summarize: (a) => (a.kind === "program" ? "PROGRAM SUMMARY" : `DATASET SUMMARY of ${a.examples?.length}`),
    propose: (a: ProposeArgs) => `${a.instruction} #${a.sample} (${a.grounding?.tip})`,
  });
}

async function runToEnd(options: Options) {
  const { ctx, log } = context(options);
  let state = await mipro.init(ctx, await scoreBaseline(ctx));
  for (let steps = 1; steps < 500; steps++) {
    const next = await mipro.step(ctx, state);
    state = next.state;
    if (next.done) return { state, log, steps, ctx };
  }
  throw new Error("mipro did not finish");
}

describe("mipro settings and plan", () => {
  it("presets give 6 / 12 / 18 candidates and 100 / 300 / 1000 dev examples; trials follow the number of choices", () => {
    expect(miproShape(settings({ auto: "light" }), 1)).toEqual({ candidates: 6, maxDev: 100, trials: 11 });
    expect(miproShape(settings({ auto: "medium" }), 1)).toEqual({ candidates: 12, maxDev: 300, trials: 18 });
    expect(miproShape(settings({ auto: "heavy" }), 2)).toEqual({ candidates: 18, maxDev: 1000, trials: 34 });
    // Explicit settings win over the preset; zero-shot has one variable per step.
    expect(miproShape(settings({ auto: "heavy", candidates: 4, trials: 7, max_dev: 20 }), 3)).toEqual({ candidates: 4, maxDev: 20, trials: 7 });
    expect(miproShape(settings({ max_bootstrapped: 0, max_labeled: 0 }), 1).trials).toBe(9);
  });

  it("refuses settings outside their types", () => {
    expect(mipro.settings.safeParse({ auto: "huge" }).success).toBe(false);
    expect(mipro.settings.safeParse({ minibatch: 0 }).success).toBe(false);
    expect(mipro.settings.safeParse({ candidates: 2.5 }).success).toBe(false);
    expect(mipro.settings.safeParse({ trails: 3 }).success).toBe(false);
  });

  it("names as its least step the first teacher batch, the summaries and proposals, and one minibatch", () => {
    const plan = miproPlan({ callsPerExample: 2, train: 130, dev: 60, lmSteps: 2, calls: 1000, settings: settings() });
    // 8 teacher examples × 2 calls, 2 summaries + 2 × 5 proposals, 35 × 2.
    expect(plan.minimumCalls).toBe(16 + 12 + 70);
  });

  it("says how many candidates, trials and full evaluations the budget buys", () => {
    const input = { callsPerExample: 1, train: 200, dev: 70, lmSteps: 1, settings: settings() };
    const all = miproPlan({ ...input, calls: Infinity }).buys;
    expect(all).toContain("6 instruction and 6 demo-set candidates per LM step");
    expect(all).toContain("11 TPE trials on 35-example dev minibatches");
    expect(all).toContain("3 full evaluations on 70 dev examples");
    const short = miproPlan({ ...input, calls: 500 }).buys;
    expect(short).toMatch(/≥ \d+ of 11 TPE trials/);
    expect(Number(/≥ (\d+) of/.exec(short)![1])).toBeLessThan(11);
  });
});

describe("mipro demo candidates", () => {
  it("per LM step: the program's (zero-shot), labeled only, bootstrapped in train order, then seeded shuffles of seeded sizes", async () => {
    const program = await oneStepProgram();
    const train = examples(20);
    const { state } = await runToEnd({ program, train, s: { candidates: 6 } });
    expect(state.queue.map((q) => q.label.split(" (")[0])).toEqual(["labeled only", "bootstrapped", "bootstrapped #1", "bootstrapped #2", "bootstrapped #3"]);
    const choices = state.choices.classify!;
    expect(choices.demoLabels[0]).toBe("zero-shot");
    expect(choices.demos[0]).toEqual([]);
    // Labeled only: 4 gold demos, no trace.
    expect(choices.demos[1]).toHaveLength(4);
    expect(traced(choices.demos[1]!)).toEqual([]);
    // Train order: the first four passing (odd) examples' traces.
    expect(traced(choices.demos[2]!)).toEqual(["e1@0", "e3@0", "e5@0", "e7@0"]);
    for (const [k, plan] of state.queue.slice(2).entries()) {
      if (plan.kind !== "bootstrap") throw new Error("a bootstrap plan");
      expect(plan.max).toBeGreaterThanOrEqual(1);
      expect(plan.max).toBeLessThanOrEqual(4);
      const demos = state.demoSets[k + 2]!.demos.classify!;
      // Traces of the shuffle's first passing examples, then labeled demos up to 4 in all.
      expect(traced(demos)).toEqual(plan.order.filter((i) => i % 2 === 1).slice(0, plan.max).map((i) => `e${i}@0`));
      expect(demos).toHaveLength(4);
    }
  });

  it("asks the teacher once per example: collections share what it answered", async () => {
    const program = await oneStepProgram();
    const { log } = await runToEnd({ program, s: { candidates: 8 } });
    const asked = log.teacher.flatMap((t) => t.ids.map((id) => `${id}@${t.sample}`));
    expect(new Set(asked).size).toBe(asked.length);
  });

  it("learns no demos when max_bootstrapped and max_labeled are 0 (only the program's)", async () => {
    const program = await oneStepProgram();
    const { state, log } = await runToEnd({ program, s: { max_bootstrapped: 0, max_labeled: 0 } });
    expect(log.teacher).toEqual([]);
    expect(state.choices.classify!.demos).toEqual([[]]);
  });
});

describe("mipro instruction candidates", () => {
  it("summarizes the program and the dataset once each, then asks candidates − 1 grounded proposals per LM step", async () => {
    const program = await twoStepProgram();
    const { state, log } = await runToEnd({ program, s: { candidates: 5 } });
    expect(log.summaries.map((s) => s.kind)).toEqual(["program", "dataset"]);
    expect(log.summaries[1]!.examples).toHaveLength(20);
    expect(log.proposals).toHaveLength(2 * 4);
    for (const [i, p] of log.proposals.entries()) {
      expect(p.step).toBe(i < 4 ? "classify" : "judge");
      expect(p.sample).toBe((i % 4) + 1);
      expect(p.instruction).toBe(program.state.steps[p.step]!.instruction);
      expect(p.grounding).toMatchObject({ program: "PROGRAM SUMMARY", dataset: "DATASET SUMMARY of 20" });
      expect(Object.keys(TIPS)).toContain(p.grounding!.tip);
      // A few demos of the step, bootstrapped ones when there are: inputs and the outputs expected.
      expect(p.records.length).toBeGreaterThan(0);
      expect(p.records.length).toBeLessThanOrEqual(3);
      for (const r of p.records) expect(Object.keys(r.expected ?? {}).length).toBeGreaterThan(0);
    }
    expect(state.choices.classify!.instructions).toHaveLength(5);
    expect(state.choices.classify!.instructions[0]).toBe("Classify the text.");
    // The tips are drawn with the seed: another seed draws others.
    const tips = log.proposals.map((p) => p.grounding!.tip);
    const other = (await runToEnd({ program, s: { candidates: 5 }, rng: 99 })).log.proposals.map((p) => p.grounding!.tip);
    expect(other).not.toEqual(tips);
  });

  it("leaves out a proposal it cannot read or that repeats one, and goes on", async () => {
    const program = await oneStepProgram();
    const { ctx } = context({ program, s: { candidates: 4 } });
    const script = { n: 0 };
    const propose = ctx.propose;
    ctx.propose = async (a) => {
      script.n++;
      if (a.sample === 1) return { ok: false, error: "garbled" };
      if (a.sample === 3) return { ok: true, instruction: "Classify the text." };
      return propose(a);
    };
    let state = await mipro.init(ctx, await scoreBaseline(ctx));
    while (state.phase !== "search") state = (await mipro.step(ctx, state)).state;
    expect(state.choices.classify!.instructions).toEqual(["Classify the text.", expect.stringMatching(/#2/)]);
  });
});

describe("mipro search", () => {
  it("the baseline is trial 0; each trial scores a seeded 35-example dev minibatch; every 5 trials and at the end the best unevaluated gets the rest of dev", async () => {
    const program = await oneStepProgram();
    const { state, log } = await runToEnd({ program, s: { candidates: 6, trials: 12 } });
    expect(state.history[0]).toMatchObject({ config: [0, 0], candidate: state.baseline.candidate });
    expect(state.history[0]!.full).toBeDefined();
    const devEvals = log.evaluations.filter((e) => e.dataset === "dev").slice(1); // after the baseline's
    const minibatches = devEvals.filter((e) => e.ids.length === 35);
    const fulls = devEvals.filter((e) => e.ids.length === 15);
    const repeats = state.history.filter((t) => t.repeatOf !== undefined).length;
    expect(minibatches).toHaveLength(12 - repeats);
    // After trials 5 and 10, and at the end.
    expect(fulls).toHaveLength(3);
    expect(state.fullEvals).toBe(3);
    // A full evaluation scores exactly what its minibatch left out.
    for (const f of fulls) {
      const trial = state.history.find((t) => t.candidate === f.candidate)!;
      expect(Object.keys(trial.scores).sort()).toEqual(examples(50, "d").map((e) => e.id).sort());
    }
    // Minibatches differ (drawn with the seed).
    expect(new Set(minibatches.map((m) => m.ids.join())).size).toBeGreaterThan(1);
    // The best is the best fully evaluated.
    const full = state.history.filter((t) => t.full !== undefined);
    expect(state.best.score).toBe(Math.max(...full.map((t) => t.full!)));
    expect(state.best.score).toBeGreaterThan(state.baseline.score);
    expect(log.events.filter((e) => e.type === "trial")).toHaveLength(12);
  });

  it("fully evaluates the trial with the best minibatch mean not yet fully evaluated", async () => {
    const program = await oneStepProgram();
    const { ctx } = context({ program, s: { candidates: 6, trials: 5 } });
    let state = await mipro.init(ctx, await scoreBaseline(ctx));
    while (!state.fullDue) state = (await mipro.step(ctx, state)).state;
    const open = state.history.map((t, i) => ({ t, i })).filter(({ t }) => t.full === undefined && t.repeatOf === undefined);
    const top = open.reduce((a, b) => (b.t.value > a.t.value ? b : a));
    state = (await mipro.step(ctx, state)).state;
    expect(state.history[top.i]!.full).toBeDefined();
    expect(state.history.filter((t, i) => i > 0 && t.full !== undefined)).toHaveLength(1);
  });

  it("answers a repeated configuration from its trial, scoring nothing again", async () => {
    const program = await oneStepProgram();
    // 2 × 2 choices and 8 trials: repeats are certain.
    const { state, log } = await runToEnd({ program, s: { candidates: 2, trials: 8 } });
    const repeats = state.history.filter((t) => t.repeatOf !== undefined);
    expect(repeats.length).toBeGreaterThan(0);
    for (const r of repeats) expect(r.value).toBe(state.history[r.repeatOf!]!.value);
    const scored = log.evaluations.filter((e) => e.dataset === "dev" && e.ids.length === 35).map((e) => e.candidate);
    expect(new Set(scored).size).toBe(scored.length);
  });

  it("with a dev sample no larger than the minibatch, every trial is a full evaluation", async () => {
    const program = await oneStepProgram();
    const { state, log } = await runToEnd({ program, dev: examples(20, "d"), s: { trials: 6 } });
    expect(state.fullEvals).toBe(0);
    for (const t of state.history) expect(t.full).toBe(t.value);
    expect(log.evaluations.filter((e) => e.dataset === "dev").every((e) => e.ids.length === 20)).toBe(true);
  });

  it("uses at most max_dev dev examples, a seeded sample", async () => {
    const program = await oneStepProgram();
    const { state, log } = await runToEnd({ program, s: { max_dev: 40, trials: 4 } });
    expect(state.valset).toHaveLength(40);
    const used = new Set(log.evaluations.slice(1).filter((e) => e.dataset === "dev").flatMap((e) => e.ids));
    for (const id of used) expect(state.valset).toContain(id);
  });

  it("stops trials when the budget left cannot pay for one and a full evaluation, and still fully evaluates the best", async () => {
    const program = await oneStepProgram();
    const { state, log } = await runToEnd({ program, s: { trials: 50 }, limits: { calls: 420 } });
    expect(state.stopped).toMatch(/budget/);
    expect(state.history.length - 1).toBeLessThan(50);
    expect(log.events.at(-1)!.data.summary).toMatch(/mipro stops after/);
    // The last trial with the best minibatch score was fully evaluated before the end.
    const open = state.history.filter((t) => t.full === undefined && t.repeatOf === undefined);
    const best = Math.max(...state.history.filter((t) => t.full !== undefined).map((t) => t.value));
    for (const t of open) expect(t.value).toBeLessThanOrEqual(best);
  });
});

describe("mipro determinism", () => {
  it("the same seed asks for, records and scores exactly the same; another seed does not", async () => {
    const program = await twoStepProgram();
    const a = await runToEnd({ program, rng: 4 });
    const b = await runToEnd({ program, rng: 4 });
    expect(b.log).toEqual(a.log);
    expect(b.state).toEqual(a.state);
    const c = await runToEnd({ program, rng: 5 });
    expect(c.log.evaluations.map((e) => e.ids)).not.toEqual(a.log.evaluations.map((e) => e.ids));
  });

  it("resumed after every step from the JSON state and the RNG's state, ends as the uninterrupted run", async () => {
    const program = await twoStepProgram();
    const straight = await runToEnd({ program, rng: 4 });
    const log = emptyLog();
    let { ctx } = context({ program, rng: 4, log });
    let state = JSON.parse(JSON.stringify(await mipro.init(ctx, await scoreBaseline(ctx)))) as MiproState;
    for (let i = 0; i < 500; i++) {
      ({ ctx } = context({ program, rng: ctx.rng.state(), log }));
      const next = await mipro.step(ctx, state);
      state = JSON.parse(JSON.stringify(next.state)) as MiproState;
      if (next.done) break;
    }
    expect(state).toEqual(straight.state);
    expect(log).toEqual(straight.log);
  });
});
