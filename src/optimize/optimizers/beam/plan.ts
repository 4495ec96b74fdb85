import type { Plan, PlanInput } from "../../types.js";
import { iterationCost } from "./afford.js";
import { DEMO_SHARE } from "./pools.js";
import type { BeamSettings } from "./settings.js";

/**
 * What the budget buys. One member's expansion costs its minibatch evaluation, the proposal calls
 * and the children's minibatch evaluations; an iteration expands every member and scores new
 * survivors on dev (counted as if every survivor were new: an upper bound, so the count is a floor).
 * The first iteration expands the baseline alone; it is the least worth running.
 */
export function beamPlan(input: PlanInput<BeamSettings>): Plan {
  const s = input.settings;
  const pool = s.demos > 0 && input.train >= 4 ? input.train - Math.max(1, Math.min(input.train - 2, Math.round(input.train * DEMO_SHARE))) : input.train;
  const shape = { batch: Math.min(s.minibatch, pool), dev: input.dev, proposals: s.proposals, width: s.width, callsPerExample: input.callsPerExample };
  const first = iterationCost(1, shape).calls;
  const full = iterationCost(s.width, shape).calls;
  const affordable = Number.isFinite(input.calls) ? (input.calls < first ? 0 : 1 + Math.floor((input.calls - first) / full)) : Infinity;
  const iterations = s.iterations > 0 ? Math.min(s.iterations, affordable) : affordable;
  const count = Number.isFinite(iterations) ? `≈ ${iterations} beam ${iterations === 1 ? "iteration" : "iterations"}` : "unbounded beam iterations";
  return {
    buys:
      `${count} (width ${s.width}, ${s.proposals} proposals each, ${shape.batch}-example minibatches, dev for survivors; ` +
      `≤ ${full} LM calls each${s.patience > 0 ? `; stops after ${s.patience} in a row without a child beating its parent` : ""})`,
    minimumCalls: first,
  };
}
