import type { Example } from "../../program/example.js";
import { stateHash, type ProgramState } from "../../program/state.js";
import { noteUnreadable, proposalKey, sampleFor, type Unreadable } from "../resample.js";
import type { Best, OptimizeContext, Optimizer, ScoreSet } from "../types.js";
import { withInstruction } from "./common.js";
import { mergeOptions, mergeSubsample, pickMerge, tripleKey, type MergePlan } from "./gepa/merge.js";
import { EPSILON, paretoFrontier, sampleParent } from "./gepa/pareto.js";
import { newSampler, nextMinibatch, type SamplerState } from "./gepa/sampler.js";
import { gepaSettings, type GepaSettings } from "./gepa/settings.js";

/** One candidate of the pool, with what GEPA knows of it. Plain JSON. */
export interface Member {
  /** Its state hash. */
  candidate: string;
  state: ProgramState;
  /** Pool indices of its parents: none for the baseline, one for a reflection, two for a merge. */
  parents: number[];
  origin: "program" | "reflection" | "merge";
  /** Its score on each dev example, in dev-set order: what the Pareto frontier is made of. */
  scores: number[];
  mean: number;
  /** Index into the program's LM steps: the step reflection rewrites next time it is the parent. */
  next: number;
  /** The iteration that added it (0: the baseline). */
  iteration: number;
}

export interface GepaState {
  v: 1;
  /** Iterations done (one per step: a reflective mutation or a merge). */
  iteration: number;
  /** Every accepted candidate; index 0 is the baseline. Indices never change. */
  pool: Member[];
  sampler: SamplerState;
  merge: {
    /** Merges earned by accepted reflections and not attempted yet. */
    due: number;
    /** Merges attempted (evaluated), accepted or not: capped by the `merges` setting. */
    tested: number;
    accepted: number;
    /** (pair, ancestor) triples already attempted, as `a+b/ancestor`. */
    tried: string[];
    /** The last iteration's reflection added a candidate: merges are tried right after one, as in GEPA. */
    lastFoundNew: boolean;
  };
  counts: {
    /** Reflection calls made (one per iteration that reflects). */
    reflections: number;
    proposals: number;
    accepted: number;
    rejected: number;
    /** Reflection returned the instruction unchanged, or a candidate already in the pool. */
    unchanged: number;
    /** The parent was perfect on the minibatch: nothing to reflect on, no call made. */
    skipped: number;
    /** The reflection LM's answer could not be read (absent in checkpoints from before it was counted). */
    failed?: number;
  };
  /** Reflection requests whose answer could not be read: asked again, they go at another sample. */
  unreadable?: Unreadable;
  /** Iterations in a row that made no new candidate (absent in checkpoints from before patience). */
  stale?: number;
  /** Why the run stopped before its budget ran out (patience, or the iterations setting). */
  stopped?: string;
}

const PERFECT = 1 - EPSILON;

/** Scores in the order of the examples (an example without a result scores 0). */
function inOrder(set: ScoreSet, examples: readonly Example[]): number[] {
  return examples.map((e) => set.scores.get(e.id) ?? 0);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0);
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}

function short(hash: string): string {
  return hash.slice(0, 10);
}

function fmt(x: number): string {
  return x.toFixed(3);
}

/** The best member: the highest dev mean; ties keep the earlier one (the incumbent). */
export function bestIndex(pool: readonly Member[]): number {
  let best = 0;
  pool.forEach((m, i) => {
    if (m.mean > pool[best]!.mean + EPSILON) best = i;
  });
  return best;
}

/** What the framework has spent so far, for events: rollouts and reflection calls apart. */
function spent(ctx: OptimizeContext): Record<string, number> {
  const u = ctx.budget.used;
  return { calls: u.calls, reflectionCalls: u.proposalCalls, rollouts: u.rollouts };
}

function addMember(state: GepaState, member: Member): number {
  state.pool.push(member);
  return state.pool.length - 1;
}

/**
 * One reflective mutation: a parent from the Pareto frontier, the next of its LM steps, a train
 * minibatch; the reflection LM rewrites the step's instruction from what the parent did there; the
 * child is kept only if it does strictly better on the same minibatch, and then scored on dev.
 */
async function reflect(ctx: OptimizeContext, state: GepaState, settings: GepaSettings): Promise<void> {
  const steps = ctx.graph.lmSteps;
  const frontier = paretoFrontier(state.pool.map((m) => m.scores));
  const parentIndex = sampleParent(frontier, ctx.rng);
  const parent = state.pool[parentIndex]!;
  const stepIndex = parent.next % steps.length;
  const step = steps[stepIndex]!;
  parent.next = (stepIndex + 1) % steps.length;
  const drawn = nextMinibatch(state.sampler, ctx.trainset.length, settings.minibatch, ctx.rng);
  state.sampler = drawn.sampler;
  const batch = drawn.batch.map((i) => ctx.trainset[i]!);
  const ids = batch.map((e) => e.id);
  const base = { iteration: state.iteration, parent: parent.candidate, step, minibatch: ids };

  ctx.phase(`iteration ${state.iteration}: running ${short(parent.candidate)} on a ${batch.length}-example minibatch`);
  const parentSet = await ctx.evaluate(parent.state, batch, "train");
  const parentScores = inOrder(parentSet, batch);
  if (parentScores.every((s) => s >= PERFECT)) {
    state.counts.skipped++;
    ctx.event("skipped", { ...base, summary: `iteration ${state.iteration}: ${short(parent.candidate)} is perfect on its minibatch, nothing to reflect on`, parentScores, ...spent(ctx) });
    return;
  }

  ctx.phase(`iteration ${state.iteration}: reflecting on step ${step} of ${short(parent.candidate)}`);
  const instruction = parent.state.steps[step]?.instruction ?? "";
  const records = ctx.records(parentSet.results, new Map(batch.map((e) => [e.id, e])), step);
  const key = proposalKey({ purpose: "reflect", step, instruction, records });
  const sample = sampleFor(state.unreadable, key);
  const proposal = await ctx.propose({ purpose: "reflect", step, instruction, records, sample });
  state.counts.reflections++;
  if (!proposal.ok) {
    state.counts.failed = (state.counts.failed ?? 0) + 1;
    noteUnreadable((state.unreadable ??= {}), key);
    ctx.event("proposal-failed", {
      ...base,
      summary: `iteration ${state.iteration}: the reflection on ${step} of ${short(parent.candidate)} could not be read (sample ${sample}); going on`,
      error: proposal.error,
      sample,
      parentScores,
      ...spent(ctx),
    });
    return;
  }
  const proposed = proposal.instruction;
  const childState = withInstruction(parent.state, step, proposed);
  const childHash = stateHash(childState);
  if (proposed.trim() === instruction.trim() || state.pool.some((m) => m.candidate === childHash)) {
    state.counts.unchanged++;
    ctx.event("rejected", {
      ...base,
      summary: `iteration ${state.iteration}: reflection on ${step} of ${short(parent.candidate)} ${proposed.trim() === instruction.trim() ? "left the instruction unchanged" : "gave a candidate already in the pool"}`,
      parentScores,
      ...spent(ctx),
    });
    return;
  }
  const child = ctx.candidate(childState, "reflection", [parent.candidate]);
  state.counts.proposals++;
  ctx.event("proposal", { ...base, child, summary: `iteration ${state.iteration}: new instruction for ${step} from ${short(parent.candidate)}`, instruction: proposed, ...spent(ctx) });

  ctx.phase(`iteration ${state.iteration}: running ${short(child)} on the same minibatch`);
  const childScores = inOrder(await ctx.evaluate(childState, batch, "train"), batch);
  const before = sum(parentScores);
  const after = sum(childScores);
  const scores = { parentScores, childScores, parentSum: before, childSum: after };
  if (!(after > before + EPSILON)) {
    state.counts.rejected++;
    ctx.event("rejected", { ...base, child, summary: `iteration ${state.iteration}: ${short(child)} (${step}) minibatch ${fmt(after)} ≤ parent ${fmt(before)}`, ...scores, ...spent(ctx) });
    return;
  }

  ctx.phase(`iteration ${state.iteration}: scoring ${short(child)} on dev`);
  const devScores = inOrder(await ctx.evaluate(childState, ctx.devset, "dev"), ctx.devset);
  const previousBest = state.pool[bestIndex(state.pool)]!;
  const index = addMember(state, {
    candidate: child,
    state: childState,
    parents: [parentIndex],
    origin: "reflection",
    scores: devScores,
    mean: mean(devScores),
    next: (stepIndex + 1) % steps.length,
    iteration: state.iteration,
  });
  state.counts.accepted++;
  state.merge.lastFoundNew = true;
  if (state.merge.tested + state.merge.due < settings.merges) state.merge.due++;
  const added = state.pool[index]!;
  const newBest = added.mean > previousBest.mean + EPSILON;
  ctx.event("accepted", {
    ...base,
    child,
    summary: `iteration ${state.iteration}: ${short(child)} (${step}) minibatch ${fmt(after)} > ${fmt(before)}; dev ${fmt(added.mean)} (parent ${fmt(parent.mean)})${newBest ? ", new best" : ""}`,
    ...scores,
    dev: added.mean,
    parentDev: parent.mean,
    newBest,
    pool: state.pool.length,
    ...spent(ctx),
  });
}

/**
 * One merge: the merged candidate is judged on dev examples where its parents differ and kept if
 * it does at least as well there as the better of them; then it is scored on the rest of dev.
 */
async function merge(ctx: OptimizeContext, state: GepaState, settings: GepaSettings, plan: MergePlan): Promise<void> {
  const a = state.pool[plan.a]!;
  const b = state.pool[plan.b]!;
  const ancestor = state.pool[plan.ancestor]!;
  state.merge.tried.push(tripleKey(plan.a, plan.b, plan.ancestor));
  state.merge.due--;
  state.merge.tested++;
  const sub = mergeSubsample(a.scores, b.scores, settings.merge_subsample, ctx.rng);
  const child = ctx.candidate(plan.state, "merge", [a.candidate, b.candidate]);
  const base = {
    iteration: state.iteration,
    parents: [a.candidate, b.candidate],
    ancestor: ancestor.candidate,
    child,
    steps: { [a.candidate]: plan.fromA, [b.candidate]: plan.fromB },
    subsample: sub.map((k) => ctx.devset[k]!.id),
  };
  ctx.phase(`iteration ${state.iteration}: merging ${short(a.candidate)} (${plan.fromA.join(", ")}) and ${short(b.candidate)} (${plan.fromB.join(", ")})`);
  const subExamples = sub.map((k) => ctx.devset[k]!);
  const subSet = await ctx.evaluate(plan.state, subExamples, "dev");
  const childSub = inOrder(subSet, subExamples);
  const aSub = sub.map((k) => a.scores[k] ?? 0);
  const bSub = sub.map((k) => b.scores[k] ?? 0);
  const scores = { childScores: childSub, parentScores: [aSub, bSub], childSum: sum(childSub), parentSums: [sum(aSub), sum(bSub)] };
  const what = `${short(a.candidate)} (${plan.fromA.join(", ")}) + ${short(b.candidate)} (${plan.fromB.join(", ")}) over ${short(ancestor.candidate)}`;
  if (sum(childSub) < Math.max(sum(aSub), sum(bSub)) - EPSILON) {
    ctx.event("merge-rejected", { ...base, summary: `iteration ${state.iteration}: merge ${what}: ${fmt(sum(childSub))} on ${sub.length} dev examples < ${fmt(Math.max(sum(aSub), sum(bSub)))}`, ...scores, ...spent(ctx) });
    return;
  }
  const inSub = new Set(sub);
  const rest = ctx.devset.filter((_, k) => !inSub.has(k));
  ctx.phase(`iteration ${state.iteration}: scoring merge ${short(child)} on dev`);
  const restSet = rest.length > 0 ? await ctx.evaluate(plan.state, rest, "dev") : undefined;
  const devScores = ctx.devset.map((e) => subSet.scores.get(e.id) ?? restSet?.scores.get(e.id) ?? 0);
  const previousBest = state.pool[bestIndex(state.pool)]!;
  addMember(state, {
    candidate: child,
    state: plan.state,
    parents: [plan.a, plan.b],
    origin: "merge",
    scores: devScores,
    mean: mean(devScores),
    next: 0,
    iteration: state.iteration,
  });
  state.merge.accepted++;
  const devMean = mean(devScores);
  const newBest = devMean > previousBest.mean + EPSILON;
  ctx.event("merge", {
    ...base,
    summary: `iteration ${state.iteration}: merge ${what} → ${short(child)}: dev ${fmt(devMean)} (parents ${fmt(a.mean)}, ${fmt(b.mean)})${newBest ? ", new best" : ""}`,
    ...scores,
    dev: devMean,
    newBest,
    pool: state.pool.length,
    ...spent(ctx),
  });
}

/** Why GEPA stops after this iteration, if it does: its iterations setting, or its patience. */
function stopReason(state: GepaState, settings: GepaSettings): string | undefined {
  if (settings.iterations > 0 && state.iteration >= settings.iterations) return `${settings.iterations} iterations done`;
  if (settings.patience > 0 && (state.stale ?? 0) >= settings.patience) return `no new candidates in ${state.stale} iterations`;
  return undefined;
}

/**
 * GEPA (Agrawal et al. 2025): reflective prompt evolution over a Pareto frontier of candidates.
 *
 * The pool holds every accepted candidate with its per-example dev scores. Each iteration draws a
 * parent from the instance-wise Pareto frontier (weighted by the dev examples it is best on), picks
 * the parent's next LM step (round-robin per candidate, the child continuing its parent's rotation,
 * so every step of a lineage gets its turn and a candidate picked again tries another step), runs
 * it on a train minibatch and asks the reflection LM for a better instruction from what went wrong.
 * The child must do strictly better on the same minibatch to be scored on dev and join the pool.
 * After a success, a merge may be tried instead: two frontier candidates that improved different
 * steps of a common ancestor are combined step by step.
 */
export const gepa: Optimizer<GepaState, typeof gepaSettings> = {
  name: "gepa",
  description: "reflective instruction evolution: parents from the Pareto frontier of dev scores, one step rewritten from metric feedback, kept on strict minibatch gains; merges",
  settings: gepaSettings,
  plan: ({ callsPerExample, train, dev, lmSteps, calls, settings }) => {
    const m = Math.max(1, Math.min(train, settings.minibatch));
    const run = m * callsPerExample;
    const devCalls = dev * callsPerExample;
    // What one iteration costs, by how it ends: the parent's minibatch run always (a parent that
    // is perfect on it ends there), then the reflection call (an unchanged or known child ends
    // there), then the child's run on the same minibatch (rejected), then dev (accepted).
    const accepted = 2 * run + 1 + devCalls;
    const rejected = 2 * run + 1;
    const unchanged = run + 1;
    const merges = settings.merges;
    const each = `an iteration costs ${accepted} LM calls when its child is accepted, ${rejected} when rejected on the ${m}-example train minibatch, ${unchanged} when reflection gives nothing new, ${run} when the parent is perfect on its minibatch`;
    const extra = `${lmSteps} LM step${lmSteps === 1 ? "" : "s"} rewritten in turn${merges > 0 && lmSteps > 1 ? `, up to ${merges} merges` : ""}`;
    const patience = settings.patience > 0 ? `; stops after ${settings.patience} iterations in a row without a new candidate` : "";
    const cap = settings.iterations > 0 ? settings.iterations : Infinity;
    if (!Number.isFinite(calls)) {
      const until = Number.isFinite(cap) ? `up to ${cap} GEPA iterations` : "GEPA iterations until a budget runs out";
      return { buys: `${until} (${each}); ${extra}${patience}`, minimumCalls: accepted };
    }
    // The range is honest at both ends: every child accepted, or (the most) none made at all.
    const fewest = Math.min(cap, Math.max(0, Math.floor(calls / accepted)));
    const most = Math.min(cap, Math.max(0, Math.floor(calls / run)));
    return {
      buys: `≈ ${fewest}–${most} GEPA iterations (the more children are accepted, the fewer; ${each}); ${extra}${patience}`,
      minimumCalls: accepted,
    };
  },
  init: async (ctx, baseline) => {
    const scores = inOrder(baseline, ctx.devset);
    return {
      v: 1,
      iteration: 0,
      pool: [{ candidate: baseline.candidate, state: ctx.baseline, parents: [], origin: "program", scores, mean: mean(scores), next: 0, iteration: 0 }],
      sampler: newSampler(),
      merge: { due: 0, tested: 0, accepted: 0, tried: [], lastFoundNew: false },
      counts: { reflections: 0, proposals: 0, accepted: 0, rejected: 0, unchanged: 0, skipped: 0, failed: 0 },
      unreadable: {},
      stale: 0,
    };
  },
  step: async (ctx, input) => {
    // Never edit the state given: it is the last checkpoint's until this step completes.
    const state = JSON.parse(JSON.stringify(input)) as GepaState;
    const settings = ctx.settings;
    const steps = ctx.graph.lmSteps;
    if (steps.length === 0 || ctx.trainset.length === 0) {
      ctx.event("finished", { summary: steps.length === 0 ? "the program has no LM step to rewrite" : "no train examples to reflect on" });
      return { state, done: true };
    }
    state.iteration += 1;
    const mergeNow = settings.merges > 0 && state.merge.due > 0 && state.merge.lastFoundNew;
    state.merge.lastFoundNew = false;
    let merged = false;
    if (mergeNow) {
      const frontier = paretoFrontier(state.pool.map((m) => m.scores));
      const known = new Set(state.pool.map((m) => m.candidate));
      const plan = pickMerge(mergeOptions(state.pool, frontier.members, steps, state.merge.tried, (s) => known.has(stateHash(s))), ctx.rng);
      if (plan) {
        await merge(ctx, state, settings, plan);
        merged = true;
      }
    }
    const made = state.counts.proposals + state.merge.tested;
    if (!merged) await reflect(ctx, state, settings);
    // A merge is always a new candidate; a reflection is when its child was new and so was run.
    state.stale = state.counts.proposals + state.merge.tested > made ? 0 : (state.stale ?? 0) + 1;
    const reason = stopReason(state, settings);
    if (reason) {
      state.stopped = reason;
      ctx.event("stopped", { summary: `GEPA stops after ${state.iteration} iterations: ${reason}`, iteration: state.iteration, ...spent(ctx) });
    }
    return { state, done: reason !== undefined };
  },
  stopped: (state) => state.stopped,
  best: (state) => {
    const m = state.pool[bestIndex(state.pool)]!;
    return { candidate: m.candidate, state: m.state, score: m.mean } satisfies Best;
  },
};
