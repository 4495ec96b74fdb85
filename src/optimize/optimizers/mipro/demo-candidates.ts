import type { Demo } from "../../../program/types.js";
import { canonicalJson } from "../../../util/canonical.js";
import type { OptimizeContext } from "../../types.js";
import { describeDemoSet, gatherDemoSet } from "../bootstrap/candidate.js";
import type { MiproSettings } from "./settings.js";
import type { MiproState, StepChoices } from "./state.js";

/**
 * The demo phase, one step at a time: each plan of the queue (labeled only, bootstrapped in train
 * order, seeded shuffles of seeded sizes) is collected with bootstrap's machinery — a teacher batch
 * per step, teacher results shared through the memo — and kept as a demo set per LM step. Edits
 * `state` (a copy the caller owns); true once every plan is done.
 */
export async function advanceDemos(ctx: OptimizeContext<MiproSettings>, state: MiproState): Promise<boolean> {
  const plan = state.queue[state.next];
  if (!plan) return true;
  const at = { ...(state.collection ? { collection: state.collection } : {}), memo: state.memo };
  const gathered = await gatherDemoSet(ctx, ctx.settings, plan, at, () => false);
  state.memo = gathered.memo;
  if (!gathered.set) {
    state.collection = gathered.collection!;
    return false;
  }
  delete state.collection;
  const set = gathered.set;
  const traced = new Set(set.bootstrapped);
  state.demoSets.push({
    label: plan.label,
    demos: Object.fromEntries(set.demos),
    bootstrapped: Object.fromEntries(state.lmSteps.map((s) => [s, (set.demos.get(s) ?? []).length - (set.labeled[s] ?? 0)])),
  });
  ctx.event("demos", { summary: `demo candidate ${state.demoSets.length}: ${plan.label}: ${describeDemoSet(set)}`, label: plan.label, bootstrapped: [...traced] });
  state.next += 1;
  return state.next >= state.queue.length;
}

/** Each step's demo options: the program's own first, then the collected sets, duplicates left out. */
export function demoChoices(ctx: OptimizeContext, state: MiproState): Record<string, Pick<StepChoices, "demos" | "demoLabels">> {
  const out: Record<string, Pick<StepChoices, "demos" | "demoLabels">> = {};
  for (const step of state.lmSteps) {
    const demos: Demo[][] = [ctx.baseline.steps[step]?.demos ?? []];
    const labels = [demos[0]!.length === 0 ? "zero-shot" : "the program's demos"];
    const seen = new Set(demos.map((d) => canonicalJson(d)));
    for (const set of state.demoSets) {
      const d = set.demos[step] ?? [];
      const key = canonicalJson(d);
      if (seen.has(key)) continue;
      seen.add(key);
      demos.push(d);
      labels.push(set.label);
    }
    out[step] = { demos, demoLabels: labels };
  }
  return out;
}
