import type { Best, Optimizer } from "../types.js";
import { composeDemos, cutShort, reportCollected, scoreDemoSet } from "./bootstrap/candidate.js";
import { advanceCollection, collectionDone, measuredCallsPerExample, newCollection, teacherBatch, type Collection, type TeacherMemo } from "./bootstrap/collect.js";
import { bootstrapSettings } from "./bootstrap/settings.js";

export interface BootstrapState {
  baseline: Best;
  best: Best;
  /** Teacher outcomes paid for so far, by sample and train index. */
  memo: TeacherMemo;
  collection: Collection;
  /** Set once the candidate is scored. */
  scored?: { candidate: string; score: number };
  /** Nominal LM calls per evaluated example, measured on the baseline (absent in older checkpoints). */
  callsPerExample?: number;
}

/**
 * DSPy's BootstrapFewShot. The teacher (the program as the file has it, on --teacher-lm when given)
 * runs over the train set in a seeded order, a batch per step; every example whose final output
 * reaches `threshold` gives each LM step a demo from its own trace (its inputs and outputs, chain of
 * thought's reasoning included) until `max_bootstrapped` are kept. Round r > 0 (of `rounds`)
 * re-tries the examples that failed, with teacher sample r (temperature 1). Labeled demos of other
 * train examples fill each step up to `max_labeled` demos; the candidate is scored once on dev and
 * the better of it and the baseline wins.
 *
 * Defaults: max_bootstrapped 4 and rounds 1 are DSPy's. max_labeled 16 is DSPy's
 * max_labeled_demos, with its meaning (demos per step in all): models learn more from more worked
 * examples, and sim, an in-context nearest-neighbour learner, needs several for a new input to have
 * a close one. threshold 1: a demo shows the model what to do, so only a fully correct trace is one;
 * for graded metrics (f1, a judge) lower it to accept near misses.
 *
 * When the budget left pays for the dev evaluation but not for another teacher batch as well, the
 * collection stops short and what it has is scored: the least budget the plan names buys a candidate.
 */
export const bootstrap: Optimizer<BootstrapState, typeof bootstrapSettings> = {
  name: "bootstrap",
  description: "demos from the program's own passing traces (a teacher run over train), labeled demos filling up; one dev evaluation",
  settings: bootstrapSettings,
  plan: ({ train, dev, callsPerExample, settings: s }) => {
    const devCalls = dev * callsPerExample;
    const teacherMax = s.max_bootstrapped === 0 ? 0 : s.rounds * train * callsPerExample;
    const firstBatch = s.max_bootstrapped === 0 ? 0 : Math.min(train, teacherBatch(s.max_bootstrapped)) * callsPerExample;
    return {
      buys:
        `1 candidate scored on dev (${devCalls} LM calls): up to ${s.max_bootstrapped} bootstrapped demos per LM step ` +
        `(teacher on train until they pass, ${s.rounds} round${s.rounds === 1 ? "" : "s"}, at most ${teacherMax} LM calls), ` +
        `labeled demos up to ${s.max_labeled} in all`,
      minimumCalls: firstBatch + devCalls,
      mostCalls: teacherMax + devCalls,
    };
  },
  init: async (ctx, baseline) => {
    const s = ctx.settings;
    const base: Best = { candidate: baseline.candidate, state: ctx.baseline, score: baseline.mean };
    const order = ctx.rng.shuffle(ctx.trainset.map((_, i) => i));
    return {
      baseline: base,
      best: base,
      memo: {},
      collection: newCollection(order, s.max_bootstrapped),
      callsPerExample: measuredCallsPerExample(baseline, ctx.graph.lmSteps.length),
    };
  },
  step: async (ctx, state) => {
    const s = ctx.settings;
    if (!collectionDone(state.collection, s.rounds) && !cutShort(ctx, state.collection, state.callsPerExample, "bootstrapped demos", s.threshold)) {
      const { collection, memo } = await advanceCollection(ctx, state.collection, state.memo, s.threshold);
      if (collectionDone(collection, s.rounds)) reportCollected(ctx, collection, s.threshold);
      return { state: { ...state, collection, memo }, done: false };
    }
    const set = composeDemos(ctx, s, state.collection, state.memo);
    const scored = await scoreDemoSet(ctx, { base: state.baseline, best: state.best, set, origin: "bootstrap", label: "bootstrapped demos" });
    return { state: { ...state, best: scored.best, scored: { candidate: scored.candidate, score: scored.score } }, done: true };
  },
  best: (state) => state.best,
};
