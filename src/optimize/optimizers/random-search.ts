import { stateHash } from "../../program/state.js";
import type { Best, Optimizer } from "../types.js";
import { cutShort, demoSetPlans, gatherDemoSet, scoreDemoSet, type CandidatePlan } from "./bootstrap/candidate.js";
import { measuredCallsPerExample, teacherBatch, type Collection, type TeacherMemo } from "./bootstrap/collect.js";
import { withDemos } from "./common.js";
import { randomSearchSettings } from "./random-search-settings.js";

export type { CandidatePlan };

export interface RandomSearchState {
  baseline: Best;
  best: Best;
  /** Teacher outcomes paid for so far, shared by every collection. */
  memo: TeacherMemo;
  /** Every demo set to try, in order, drawn at the start. */
  queue: CandidatePlan[];
  /** The entry of `queue` being worked on. */
  next: number;
  /** The collection of `queue[next]`, while it is being gathered. */
  collection?: Collection;
  /** What was scored on dev, the baseline (zero-shot) first. */
  scored: { label: string; candidate: string; score: number }[];
  /** Nominal LM calls per evaluated example, measured on the baseline (absent in older checkpoints). */
  callsPerExample?: number;
}


/**
 * DSPy's BootstrapFewShotWithRandomSearch: several demo sets, each scored on dev, the best wins.
 * The sets are: zero-shot (the baseline, already scored), labeled demos only, bootstrapped over
 * the train set in its own order, then `candidates` bootstrapped sets, each over a seeded shuffle of
 * the train set keeping a seeded number (1…`max_bootstrapped`) of traces, labeled demos filling up
 * to `max_labeled` per step. A step is one teacher batch or one candidate's dev score; teacher
 * results are kept in the state and shared, so each (example, sample) is paid for once. The run
 * stops when the list is done or the budget runs out (the best so far stands); a collection the
 * budget could not both finish and score is cut short and scored with the traces it has.
 *
 * Defaults as bootstrap's (see there), and 8 shuffled candidates: with the two fixed ones, ten dev
 * evaluations — what the default budget affords on the example programs with room to spare; more
 * candidates mostly fit dev's noise.
 */
export const randomSearch: Optimizer<RandomSearchState, typeof randomSearchSettings> = {
  name: "random_search",
  description: "several demo sets (zero-shot, labeled, bootstrapped, seeded shuffles), each scored on dev; the best wins",
  settings: randomSearchSettings,
  plan: ({ train, dev, callsPerExample, calls, settings: s }) => {
    const shuffled = s.candidates;
    const perCandidate = dev * callsPerExample;
    const teacherMax = s.max_bootstrapped === 0 ? 0 : s.rounds * train * callsPerExample;
    const total = 2 + shuffled;
    // How many sets fit: the teacher costs between one batch and every train example per round.
    const fit = (teacher: number) => (Number.isFinite(calls) ? Math.max(0, Math.min(total, Math.floor((calls - teacher) / perCandidate))) : total);
    const least = Math.max(Math.min(1, fit(0)), fit(teacherMax));
    const most = fit(Math.min(teacherMax, teacherBatch(s.max_bootstrapped) * callsPerExample));
    return {
      buys:
        `${least === most ? most : `${least}–${most}`} of ${total} candidate demo sets, each scored on dev (${perCandidate} LM calls): ` +
        `labeled only, bootstrapped in train order, ${shuffled} bootstrapped from seeded shuffles (1–${s.max_bootstrapped} traces, labeled demos up to ${s.max_labeled}); ` +
        `teacher traces shared (at most ${teacherMax} LM calls)`,
      // The first step scores the labeled-only set: no teacher needed.
      minimumCalls: perCandidate,
      mostCalls: teacherMax + total * perCandidate,
    };
  },
  init: async (ctx, baseline) => {
    const s = ctx.settings;
    const base: Best = { candidate: baseline.candidate, state: ctx.baseline, score: baseline.mean };
    const queue = demoSetPlans(ctx, s, s.candidates);
    return {
      baseline: base,
      best: base,
      memo: {},
      queue,
      next: 0,
      scored: [{ label: "zero-shot (baseline)", candidate: base.candidate, score: base.score }],
      callsPerExample: measuredCallsPerExample(baseline, ctx.graph.lmSteps.length),
    };
  },
  step: async (ctx, state) => {
    const s = ctx.settings;
    const plan = state.queue[state.next];
    if (!plan) return { state, done: true };
    const at = { ...(state.collection ? { collection: state.collection } : {}), memo: state.memo };
    const gathered = await gatherDemoSet(ctx, s, plan, at, (c: Collection) => cutShort(ctx, c, state.callsPerExample, plan.label, s.threshold));
    const { memo, set } = gathered;
    if (!set) return { state: { ...state, memo, collection: gathered.collection! }, done: false };
    const hash = stateHash(withDemos(state.baseline.state, set.demos));
    const seen = state.scored.find((x) => x.candidate === hash);
    let best = state.best;
    let entry: RandomSearchState["scored"][number];
    if (seen) {
      // The same demo set as one already scored: its score is known, paying again buys nothing.
      ctx.event("rejected", { summary: `${plan.label}: the same demos as ${seen.label}`, candidate: hash, score: seen.score });
      entry = { label: plan.label, candidate: hash, score: seen.score };
    } else {
      const scored = await scoreDemoSet(ctx, { base: state.baseline, best, set, origin: `random_search:${plan.kind}`, label: plan.label });
      best = scored.best;
      entry = { label: plan.label, candidate: scored.candidate, score: scored.score };
    }
    const next = state.next + 1;
    const { collection: _done, ...rest } = state;
    return { state: { ...rest, memo, best, next, scored: [...state.scored, entry] }, done: next >= state.queue.length };
  },
  best: (state) => state.best,
};
