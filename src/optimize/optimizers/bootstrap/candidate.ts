import type { ProgramState } from "../../../program/state.js";
import type { Demo } from "../../../program/types.js";
import { labeledDemo } from "../../demos.js";
import type { Best, OptimizeContext } from "../../types.js";
import { better, withDemos } from "../common.js";
import { advanceCollection, bootstrappedDemos, collectionDone, newCollection, reportCut, stopCollecting, type Collection, type TeacherMemo } from "./collect.js";
import { labeledFill, type BootstrapSettings } from "./settings.js";

/** A candidate demo set: the demos per LM step and what they were made of (for events). */
export interface DemoSet {
  demos: Map<string, Demo[]>;
  /** Ids of the train examples whose traces became demos. */
  bootstrapped: string[];
  /** Labeled demos added, per LM step. */
  labeled: Record<string, number>;
}

/**
 * Per LM step: the bootstrapped demos of a collection, then labeled demos of other train examples
 * (drawn with the run's rng) until the step has `max_labeled` demos in all. A collection of nothing (or
 * none) gives a labeled-only set.
 */
export function composeDemos(ctx: OptimizeContext, settings: BootstrapSettings, collection?: Collection, memo: TeacherMemo = {}): DemoSet {
  const graph = ctx.graph;
  const traced = collection ? bootstrappedDemos(graph, collection, memo) : new Map<string, Demo[]>();
  const used = new Set(collection?.picked.map((p) => p.index) ?? []);
  const demos = new Map<string, Demo[]>();
  const labeled: Record<string, number> = {};
  for (const step of graph.lmSteps) {
    const own = traced.get(step) ?? [];
    const pool: Demo[] = [];
    ctx.trainset.forEach((example, index) => {
      if (used.has(index)) return;
      const d = labeledDemo(graph, step, example);
      if (d) pool.push(d);
    });
    const extra = ctx.rng.sample(pool, labeledFill(settings, own.length));
    labeled[step] = extra.length;
    demos.set(step, [...own, ...extra]);
  }
  return { demos, bootstrapped: collection?.picked.map((p) => ctx.trainset[p.index]!.id) ?? [], labeled };
}

/** "2 bootstrapped (st-0003, st-0101) + 14 labeled demos" (per step when steps differ). */
export function describeDemoSet(set: DemoSet): string {
  const counts = [...new Set(Object.values(set.labeled))];
  const labeled = counts.length <= 1 ? `${counts[0] ?? 0} labeled` : Object.entries(set.labeled).map(([s, n]) => `${n} labeled for ${s}`).join(", ");
  const ids = set.bootstrapped.length === 0 ? "" : ` (${set.bootstrapped.slice(0, 4).join(", ")}${set.bootstrapped.length > 4 ? ", …" : ""})`;
  return `${set.bootstrapped.length} bootstrapped${ids} + ${labeled} demos per step`;
}

export interface Scored {
  best: Best;
  candidate: string;
  score: number;
}

/**
 * Records a candidate (the baseline with `set`'s demos), scores it on dev and keeps the better of
 * it and `best` (ties keep `best`). Throws BudgetExhausted when the dev evaluation does not fit.
 */
export async function scoreDemoSet(ctx: OptimizeContext, args: { base: Best; best: Best; set: DemoSet; origin: string; label: string }): Promise<Scored> {
  const { base, best, set, origin, label } = args;
  const state: ProgramState = withDemos(base.state, set.demos);
  const candidate = ctx.candidate(state, origin, [base.candidate]);
  ctx.event("proposal", { summary: `${label}: ${describeDemoSet(set)}`, candidate, bootstrapped: set.bootstrapped, labeled: set.labeled });
  ctx.phase(`scoring ${label} on dev`);
  const scored = await ctx.evaluate(state, ctx.devset, "dev");
  const next = better(best, { candidate, state, score: scored.mean });
  ctx.event(next.candidate === candidate && candidate !== best.candidate ? "accepted" : "rejected", {
    summary: `${label}: dev ${scored.mean.toFixed(3)} vs best ${best.score.toFixed(3)} (baseline ${base.score.toFixed(3)})`,
    candidate,
    score: scored.mean,
  });
  return { best: next, candidate, score: scored.mean };
}

/** The "demos" event: what a finished collection kept; a notice when it kept nothing (no trace reached `threshold`). */
export function reportCollected(ctx: OptimizeContext, c: Collection, threshold: number): void {
  if (c.picked.length === 0 && c.max > 0 && c.tried > 0) {
    ctx.notice(
      `bootstrap: no teacher trace reached the threshold ${threshold} (${c.tried} tried), so the candidate has no bootstrapped demos` +
        `${threshold > 0 ? `; for a graded metric, a lower \`optimize.bootstrap.threshold\` accepts near misses` : ""}`,
    );
  }
  const ids = c.picked.map((p) => ctx.trainset[p.index]!.id);
  const rounds = c.picked.length >= c.max ? c.round + 1 : c.round;
  ctx.event("demos", {
    summary: `kept ${c.picked.length} of ${c.max} traces wanted, from ${c.tried} teacher results in ${rounds} round${rounds === 1 ? "" : "s"}${ids.length > 0 ? `: ${ids.join(", ")}` : ""}`,
    examples: ids,
    samples: c.picked.map((p) => p.sample),
  });
}

/**
 * Ends a collection the budget could not both finish and score (see `stopCollecting`): reports the
 * cut and what was collected, and says so. `callsPerExample` is the state's measured value, if any.
 */
export function cutShort(ctx: OptimizeContext, c: Collection, callsPerExample: number | undefined, label: string, threshold: number): boolean {
  if (!stopCollecting(ctx.budget, c, ctx.devset.length, callsPerExample ?? ctx.graph.lmSteps.length)) return false;
  reportCut(ctx, c, label);
  reportCollected(ctx, c, threshold);
  return true;
}

/** One demo set to try: labeled demos only, or a bootstrap collection over `order` keeping up to `max` traces. */
export type CandidatePlan = { kind: "labeled"; label: string } | { kind: "bootstrap"; label: string; order: number[]; max: number };

/**
 * The demo sets random_search and mipro try after zero-shot: labeled demos only, bootstrapped over
 * the train set in its own order, then `shuffled` bootstrapped sets, each over a seeded shuffle of
 * the train set keeping a seeded number (1…`max_bootstrapped`) of traces.
 */
export function demoSetPlans(ctx: OptimizeContext, settings: BootstrapSettings, shuffled: number): CandidatePlan[] {
  const indices = ctx.trainset.map((_, i) => i);
  const queue: CandidatePlan[] = [
    { kind: "labeled", label: "labeled only" },
    { kind: "bootstrap", label: "bootstrapped (train order)", order: indices, max: settings.max_bootstrapped },
  ];
  for (let k = 1; k <= shuffled; k++) {
    const order = ctx.rng.shuffle(indices);
    const max = settings.max_bootstrapped === 0 ? 0 : 1 + ctx.rng.int(settings.max_bootstrapped);
    queue.push({ kind: "bootstrap", label: `bootstrapped #${k} (shuffled, ${max} trace${max === 1 ? "" : "s"})`, order, max });
  }
  return queue;
}

/** Where the demo set of a plan is: the collection under way (bootstrap plans) and the shared teacher memo; `set` once composed. */
export interface Gathered {
  collection?: Collection;
  memo: TeacherMemo;
  set?: DemoSet;
}

/**
 * One step towards a plan's demo set: one teacher batch while its collection is not done (and
 * `cut` does not end it early), else the composed set. Plain JSON in, plain JSON out.
 */
export async function gatherDemoSet(
  ctx: OptimizeContext,
  settings: BootstrapSettings,
  plan: CandidatePlan,
  at: { collection?: Collection; memo: TeacherMemo },
  cut: (c: Collection) => boolean,
): Promise<Gathered> {
  let collection: Collection | undefined;
  let memo = at.memo;
  if (plan.kind === "bootstrap") {
    collection = at.collection ?? newCollection(plan.order, plan.max);
    if (!collectionDone(collection, settings.rounds) && !cut(collection)) {
      ({ collection, memo } = await advanceCollection(ctx, collection, memo, settings.threshold));
      if (collectionDone(collection, settings.rounds)) reportCollected(ctx, collection, settings.threshold);
      return { collection, memo };
    }
  }
  return { ...(collection ? { collection } : {}), memo, set: composeDemos(ctx, settings, collection, memo) };
}
