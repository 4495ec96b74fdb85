import type { Plan, PlanInput } from "../../types.js";
import { teacherBatch } from "../bootstrap/collect.js";
import { miproShape, type MiproSettings } from "./settings.js";

/**
 * What the budget buys: the demo phase (the teacher on train, at most every example once per
 * round), the two summaries and the proposals, then trials on dev minibatches and full evaluations
 * (each at most the rest of the dev sample) every `full_eval_every` trials and at the end.
 */
export function miproPlan(input: PlanInput<MiproSettings>): Plan {
  const s = input.settings;
  const { candidates, maxDev, trials } = miproShape(s, input.lmSteps);
  const cpe = input.callsPerExample;
  const dev = Math.min(input.dev, maxDev);
  const batch = Math.min(s.minibatch, dev);
  const rest = batch < dev ? dev - batch : 0;
  const learnsDemos = s.max_bootstrapped > 0;
  const teacherMax = learnsDemos ? s.rounds * input.train * cpe : 0;
  const proposals = 2 + input.lmSteps * (candidates - 1);
  const cost = (t: number) => t * batch * cpe + (rest > 0 ? Math.ceil(t / s.full_eval_every) * rest * cpe : 0);
  let affordable = trials;
  if (Number.isFinite(input.calls)) {
    // The teacher is counted at its most: the count is a floor.
    while (affordable > 0 && teacherMax + proposals + cost(affordable) > input.calls) affordable--;
  }
  const fulls = rest > 0 ? Math.ceil(affordable / s.full_eval_every) : 0;
  const trialText = affordable < trials ? `≥ ${affordable} of ${trials} TPE trials` : `${trials} TPE trials`;
  return {
    buys:
      `${candidates} instruction and ${candidates} demo-set candidates per LM step, then ${trialText} ` +
      `on ${batch}-example dev minibatches (${batch * cpe} LM calls each) and ${fulls} full evaluation${fulls === 1 ? "" : "s"} on ${dev} dev examples ` +
      `(every ${s.full_eval_every} trials and at the end); first the teacher (at most ${teacherMax} LM calls), 2 summaries and ${proposals - 2} proposal calls`,
    // One trial after the demos, the summaries and the proposals (the teacher at its first batch).
    minimumCalls: (learnsDemos ? Math.min(input.train, teacherBatch(s.max_bootstrapped)) * cpe : 0) + proposals + batch * cpe,
  };
}
