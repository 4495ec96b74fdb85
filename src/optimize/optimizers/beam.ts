import type { Example } from "../../program/example.js";
import type { OptimizeContext, Optimizer } from "../types.js";
import { affordableMembers, measuredCallsPerExample } from "./beam/afford.js";
import { expandMember } from "./beam/expand.js";
import { beamPlan } from "./beam/plan.js";
import { nextMinibatch, splitPools } from "./beam/pools.js";
import { selectSurvivors } from "./beam/select.js";
import { beamSettings, type BeamSettings } from "./beam/settings.js";
import type { BeamState } from "./beam/state.js";

/**
 * Beam search over instruction rewrites combined with demo sets. The beam starts as the baseline.
 * An iteration draws one minibatch of train examples; each member, in turn (one member per step),
 * is scored on it, one of its LM steps (round-robin, seeded start) gets `proposals` rewrites from
 * the records of that run, and each rewrite — with the member's demos or a fresh labeled set —
 * becomes a child scored on the same minibatch. Then (one step) members and children are ranked by
 * minibatch score, the best `width` survive, survivors new to dev are scored on dev, and the best by
 * dev over the whole run is the result. Stops after `iterations`, when what the budget has left
 * cannot pay for another iteration, or after `patience` iterations in a row in which no child beat
 * its parent on the minibatch.
 */
export const beam: Optimizer<BeamState, typeof beamSettings> = {
  name: "beam",
  description: "a beam of candidates; each member gets LM-proposed instruction rewrites with kept or fresh demos, pruned on a shared minibatch",
  settings: beamSettings,
  plan: beamPlan,
  init: async (ctx, baseline) => {
    const { demoPool, batchPool } = splitPools(ctx.trainset, ctx.settings.demos, ctx.rng);
    const lmSteps = [...ctx.graph.lmSteps];
    const offset = lmSteps.length > 0 ? ctx.rng.int(lmSteps.length) : 0;
    const state: BeamState = {
      v: 1,
      callsPerExample: measuredCallsPerExample(baseline, lmSteps.length),
      lmSteps,
      offset,
      turn: 0,
      demoPool,
      batchPool,
      order: [],
      cursor: 0,
      iteration: 0,
      stale: 0,
      beam: [{ candidate: baseline.candidate, state: ctx.baseline }],
      dev: { [baseline.candidate]: baseline.mean },
      best: { candidate: baseline.candidate, state: ctx.baseline, score: baseline.mean },
    };
    if (lmSteps.length === 0) state.stopped = "the program has no LM step";
    else if (batchPool.length === 0) state.stopped = "the train set is empty";
    return state;
  },
  step: async (ctx, current) => {
    // Work on a copy: if the step throws (budget, interrupt), the driver keeps the state it gave.
    const state = JSON.parse(JSON.stringify(current)) as BeamState;
    if (state.stopped) return { state, done: true };
    const settings = ctx.settings;
    const byId = examplesById(ctx.trainset);
    if (!state.pending) {
      const members = affordableMembers(ctx.budget, state.beam.length, shape(ctx, state, settings));
      if (members === 0) return stop(ctx, state, `the budget left cannot pay for another iteration`);
      if (members < state.beam.length) {
        ctx.event("budget", { summary: `beam iteration ${state.iteration + 1}: the budget left pays for expanding ${members} of ${state.beam.length} beam members` });
      }
      state.pending = { minibatch: nextMinibatch(state, settings.minibatch, ctx.rng), members, next: 0, parents: [], children: [] };
    }
    if (state.pending.next < state.pending.members) {
      await expandMember(ctx, state, settings, byId);
      return { state, done: false };
    }
    await selectSurvivors(ctx, state, settings);
    const reason = stopReason(state, settings);
    return reason ? stop(ctx, state, reason) : { state, done: false };
  },
  stopped: (state) => state.stopped,
  best: (state) => state.best,
  iterations: (state) => state.iteration,
};

function shape(ctx: OptimizeContext, state: BeamState, settings: BeamSettings) {
  return {
    batch: Math.min(settings.minibatch, state.batchPool.length),
    dev: ctx.devset.length,
    proposals: settings.proposals,
    width: settings.width,
    callsPerExample: state.callsPerExample,
  };
}

function stopReason(state: BeamState, settings: BeamSettings): string | undefined {
  if (settings.iterations > 0 && state.iteration >= settings.iterations) return `${settings.iterations} iterations done`;
  if (settings.patience > 0 && state.stale >= settings.patience) return `no child beat its parent for ${state.stale} iterations`;
  return undefined;
}

function stop(ctx: OptimizeContext, state: BeamState, reason: string): { state: BeamState; done: true } {
  state.stopped = reason;
  ctx.event("stopped", { summary: `beam search stops after ${state.iteration} iterations: ${reason}; best ${state.best.candidate.slice(0, 10)} with dev ${state.best.score.toFixed(3)}` });
  return { state, done: true };
}

function examplesById(examples: readonly Example[]): Map<string, Example> {
  return new Map(examples.map((e) => [e.id, e]));
}
