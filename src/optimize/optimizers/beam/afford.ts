import type { Budget } from "../../budget.js";
import type { ScoreSet } from "../../types.js";

/** What one iteration needs, in the units budgets count. */
export interface IterationShape {
  /** Examples in the minibatch. */
  batch: number;
  /** Examples in the dev set. */
  dev: number;
  proposals: number;
  width: number;
  /** Nominal LM calls one evaluation of one example makes. */
  callsPerExample: number;
}

/**
 * LM calls per evaluated example, as the baseline's dev evaluation measured it (nominal calls, so
 * the same on a resumed run), and at least one per LM step.
 */
export function measuredCallsPerExample(baseline: ScoreSet, lmSteps: number): number {
  const results = baseline.results;
  const mean = results.length > 0 ? results.reduce((n, r) => n + r.nominal.calls, 0) / results.length : 0;
  return Math.max(lmSteps, mean, 1);
}

/** Upper bound of what expanding `members` members costs, with every new survivor scored on dev. */
export function iterationCost(members: number, s: IterationShape): { calls: number; rollouts: number } {
  const children = members * s.proposals;
  const newSurvivors = Math.min(s.width, children);
  const rollouts = members * (1 + s.proposals) * s.batch + newSurvivors * s.dev;
  const calls = members * ((1 + s.proposals) * s.batch * s.callsPerExample + s.proposals) + newSurvivors * s.dev * s.callsPerExample;
  return { calls, rollouts };
}

/**
 * How many beam members the next iteration can expand (best first) so that the whole iteration,
 * dev evaluations included, fits in what the call and rollout budgets have left: the beam size when
 * it all fits, 0 when not even one member does. Limits on USD and time cannot be foreseen; they
 * end a run by BudgetExhausted.
 */
export function affordableMembers(budget: Budget, beamSize: number, s: IterationShape): number {
  for (let m = beamSize; m >= 1; m--) {
    if (budget.fits(iterationCost(m, s))) return m;
  }
  return 0;
}
