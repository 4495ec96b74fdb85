import type { Best, Optimizer } from "../types.js";
import { better, sampleLabeledDemos, withDemos } from "./common.js";
import { labeledSettings } from "./labeled-settings.js";

interface LabeledState {
  baseline: Best;
  best: Best;
}


/**
 * k labeled demos per LM step, drawn with the run's seed from the train set (inputs and gold
 * outputs as the dataset gives them), scored once on dev. The better of that and the baseline wins.
 */

export const labeled: Optimizer<LabeledState, typeof labeledSettings> = {
  name: "labeled",
  description: "k gold examples per LM step as demos, drawn with the seed; one dev evaluation",
  settings: labeledSettings,
  plan: ({ dev, callsPerExample, settings }) => ({
    buys: `${settings.k} labeled demos per LM step, scored once on dev (${dev * callsPerExample} LM calls)`,
    minimumCalls: dev * callsPerExample,
    mostCalls: dev * callsPerExample,
  }),
  init: async (ctx, baseline) => {
    const best: Best = { candidate: baseline.candidate, state: ctx.baseline, score: baseline.mean };
    return { baseline: best, best };
  },
  step: async (ctx, state) => {
    ctx.phase("scoring labeled demos on dev");
    const demos = sampleLabeledDemos(ctx.graph, ctx.trainset, ctx.settings.k, ctx.rng);
    const candidateState = withDemos(state.baseline.state, demos);
    const candidate = ctx.candidate(candidateState, "labeled", [state.baseline.candidate]);
    const scored = await ctx.evaluate(candidateState, ctx.devset, "dev");
    const next = better(state.best, { candidate, state: candidateState, score: scored.mean });
    ctx.event(next.candidate === candidate ? "accepted" : "rejected", {
      summary: `labeled demos: dev ${scored.mean.toFixed(3)} vs baseline ${state.baseline.score.toFixed(3)}`,
      candidate,
      score: scored.mean,
    });
    return { state: { ...state, best: next }, done: true };
  },
  best: (state) => state.best,
};
