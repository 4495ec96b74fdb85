import type { OptimizeContext } from "../../types.js";
import type { BeamSettings } from "./settings.js";
import type { BeamState, Member } from "./state.js";

interface Ranked extends Member {
  score: number;
  /** Position in the pool: members first (beam order), then children in proposal order. */
  order: number;
  parent?: string;
}

/**
 * The pool of an iteration ranked by minibatch score, best first; ties go to the earlier entry
 * (beam members before children, children in proposal order). Members the iteration did not expand
 * (the budget was short) have no score on its minibatch and are not in the pool.
 */
export function rankPool(state: BeamState): Ranked[] {
  const pending = state.pending!;
  const pool: Ranked[] = [
    ...state.beam.slice(0, pending.members).map((m, i) => ({ candidate: m.candidate, state: m.state, score: pending.parents[i]!, order: i })),
    ...pending.children.map((c, i) => ({ candidate: c.candidate, state: c.state, score: c.score, order: state.beam.length + i, parent: c.parent })),
  ];
  return pool.sort((a, b) => b.score - a.score || a.order - b.order);
}

/**
 * Ends the pending iteration: keeps the best `width` of members and children by minibatch score,
 * scores the survivors not yet scored on dev, updates the best, and counts whether any child beat
 * its parent. Edits `state` (a copy the caller owns).
 */
export async function selectSurvivors(ctx: OptimizeContext, state: BeamState, settings: BeamSettings): Promise<void> {
  const pending = state.pending!;
  const it = state.iteration + 1;
  const ranked = rankPool(state);
  const survivors = ranked.slice(0, settings.width);
  for (const m of state.beam.slice(pending.members)) {
    ctx.event("pruned", { summary: `beam iteration ${it}: ${m.candidate.slice(0, 10)} dropped (not expanded: the budget was short)`, candidate: m.candidate });
  }
  for (const r of ranked.slice(settings.width)) {
    ctx.event("pruned", { summary: `beam iteration ${it}: ${r.candidate.slice(0, 10)} dropped (minibatch ${r.score.toFixed(3)})`, candidate: r.candidate, minibatch: r.score });
  }
  for (const [i, s] of survivors.entries()) {
    if (state.dev[s.candidate] !== undefined) continue;
    ctx.phase(`beam iteration ${it}: scoring survivor ${i + 1}/${survivors.length} on dev`);
    const set = await ctx.evaluate(s.state, ctx.devset, "dev");
    state.dev[s.candidate] = set.mean;
    const before = state.best.score;
    if (set.mean > before) {
      state.best = { candidate: s.candidate, state: s.state, score: set.mean };
      ctx.event("accepted", { summary: `beam iteration ${it}: new best ${s.candidate.slice(0, 10)}, dev ${set.mean.toFixed(3)} (was ${before.toFixed(3)})`, candidate: s.candidate, score: set.mean });
    } else {
      ctx.event("rejected", { summary: `beam iteration ${it}: ${s.candidate.slice(0, 10)} stays on the beam but dev ${set.mean.toFixed(3)} does not beat ${before.toFixed(3)}`, candidate: s.candidate, score: set.mean });
    }
  }
  const parentScore = new Map(state.beam.slice(0, pending.members).map((m, i) => [m.candidate, pending.parents[i]!]));
  const improved = pending.children.filter((c) => c.score > (parentScore.get(c.parent) ?? Infinity)).length;
  state.stale = improved > 0 ? 0 : state.stale + 1;
  state.beam = survivors.map((s) => ({ candidate: s.candidate, state: s.state }));
  state.iteration = it;
  delete state.pending;
  ctx.event("iteration", {
    summary: `beam iteration ${it}: ${pending.children.length} children, ${improved} beat their parent; beam ${survivors.map((s) => `${s.candidate.slice(0, 10)} (mb ${s.score.toFixed(3)}, dev ${state.dev[s.candidate]!.toFixed(3)})`).join(", ")}; best dev ${state.best.score.toFixed(3)}`,
    beam: survivors.map((s) => s.candidate),
    best: state.best.candidate,
  });
}
