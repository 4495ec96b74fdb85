import type { Optimizer } from "../../types.js";
import { demoSetPlans } from "../bootstrap/candidate.js";
import { measuredCallsPerExample } from "../bootstrap/collect.js";
import { advanceDemos, demoChoices } from "./demo-candidates.js";
import { proposeForStep, writeSummaries } from "./instruction-candidates.js";
import { miproPlan } from "./plan.js";
import { fullEvaluation, minibatchIsWhole, nextForFullEvaluation, runTrial, trialNeed, trialsDone } from "./search.js";
import { miproSettings, miproShape } from "./settings.js";
import type { MiproState } from "./state.js";

/**
 * DSPy's MIPROv2: instructions and demo sets searched jointly. First, demo candidates per LM step
 * (the program's own, labeled only, one bootstrap in train order, seeded shuffled bootstraps of
 * seeded sizes: bootstrap's collection, teacher results shared); then a program summary and a
 * dataset summary, each written once by the proposal LM; then instruction candidates per LM step
 * from a grounded proposer (the summaries, a few demos of the step, its instruction, a tip drawn
 * with the seed; for an agent step also its tools and the teacher's tool calls on train); then a TPE search over every step's (instruction, demo set) pair (see search.ts).
 * One step is a teacher batch, the summaries, one step's proposals, one trial or one full evaluation.
 */
export const mipro: Optimizer<MiproState, typeof miproSettings> = {
  name: "mipro",
  description: "instructions and demo sets together: demo candidates (bootstrap), grounded instruction proposals, a TPE search on dev minibatches; the best fully evaluated wins",
  settings: miproSettings,
  plan: miproPlan,
  init: async (ctx, baseline) => {
    const s = ctx.settings;
    const lmSteps = [...ctx.graph.lmSteps];
    const shape = miproShape(s, lmSteps.length);
    const ids = ctx.devset.map((e) => e.id);
    // All of dev, or a seeded sample of `maxDev` of it kept in dev order.
    const kept = ids.length <= shape.maxDev ? undefined : new Set(ctx.rng.sample(ids, shape.maxDev));
    const valset = kept ? ids.filter((id) => kept.has(id)) : ids;
    const scores = Object.fromEntries(valset.map((id) => [id, baseline.scores.get(id) ?? 0]));
    const mean = valset.length === 0 ? baseline.mean : valset.reduce((a, id) => a + scores[id]!, 0) / valset.length;
    const best = { candidate: baseline.candidate, state: ctx.baseline, score: mean };
    const learnsDemos = s.max_bootstrapped > 0 || s.max_labeled > 0;
    // The program's own demos are candidate 0; the rest of the candidates are collected.
    const queue = learnsDemos ? demoSetPlans(ctx, s, Math.max(0, shape.candidates - 3)).slice(0, shape.candidates - 1) : [];
    const state: MiproState = {
      v: 1,
      phase: "demos",
      callsPerExample: measuredCallsPerExample(baseline, lmSteps.length),
      lmSteps,
      candidates: shape.candidates,
      trials: shape.trials,
      valset,
      baseline: best,
      best,
      queue,
      next: 0,
      memo: {},
      demoSets: [],
      proposing: 0,
      choices: Object.fromEntries(
        lmSteps.map((step) => [step, { instructions: [ctx.baseline.steps[step]?.instruction ?? ""], instructionTips: ["program"], demos: [], demoLabels: [] }]),
      ),
      history: [{ config: lmSteps.flatMap(() => [0, 0]), candidate: baseline.candidate, value: mean, scores, full: mean }],
      fullDue: false,
      fullEvals: 0,
    };
    if (lmSteps.length === 0) {
      state.phase = "done";
      state.stopped = "the program has no LM step";
    }
    return state;
  },
  step: async (ctx, current) => {
    // Work on a copy: if the step throws (budget, interrupt), the driver keeps the state it gave.
    const state = JSON.parse(JSON.stringify(current)) as MiproState;
    const s = ctx.settings;
    switch (state.phase) {
      case "done":
        return { state, done: true };
      case "demos":
        if (await advanceDemos(ctx, state)) {
          const demos = demoChoices(ctx, state);
          for (const step of state.lmSteps) Object.assign(state.choices[step]!, demos[step]);
          state.phase = "summaries";
        }
        return { state, done: false };
      case "summaries":
        await writeSummaries(ctx, state);
        state.phase = state.candidates > 1 ? "proposals" : "search";
        return { state, done: false };
      case "proposals":
        await proposeForStep(ctx, state);
        if (state.proposing >= state.lmSteps.length) state.phase = "search";
        return { state, done: false };
      case "search": {
        if (state.fullDue) {
          state.fullDue = false;
          await fullEvaluation(ctx, state);
          return { state, done: false };
        }
        let reason: string | undefined;
        if (trialsDone(state) >= state.trials) reason = `${state.trials} trials done`;
        else if (!ctx.budget.fits(trialNeed(state, s))) reason = "the budget left pays for no further trial and a full evaluation after it";
        if (!reason) {
          await runTrial(ctx, state);
          return { state, done: false };
        }
        // The end: the best minibatch result not yet fully evaluated gets its full evaluation.
        const due = minibatchIsWhole(state, s) ? undefined : nextForFullEvaluation(state);
        if (due !== undefined) await fullEvaluation(ctx, state);
        state.phase = "done";
        state.stopped = reason;
        const full = state.history.filter((t) => t.full !== undefined).length;
        ctx.event("stopped", {
          summary: `mipro stops after ${trialsDone(state)} trials (${full} fully evaluated): ${reason}; best ${state.best.candidate.slice(0, 10)} with dev ${state.best.score.toFixed(3)}`,
        });
        return { state, done: true };
      }
    }
  },
  best: (state) => state.best,
  iterations: (state) => trialsDone(state),
};
