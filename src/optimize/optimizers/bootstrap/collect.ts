import type { ExampleResult } from "../../../evaluate/types.js";
import type { Graph } from "../../../graph/types.js";
import type { Demo } from "../../../program/types.js";
import { agentRunsOf, tracedDemos, type AgentRun } from "../../demos.js";
import type { Budget } from "../../budget.js";
import type { OptimizeContext, ScoreSet } from "../../types.js";

/**
 * Collecting bootstrapped demos (DSPy's BootstrapFewShot): the teacher runs over the train set in
 * a given order; each example whose final output passes the metric gives one demo to every LM step
 * from its trace. Everything here is plain JSON kept in the optimizer's state, so a run can stop
 * after any teacher batch and resume from the checkpoint.
 */

/** Slack in the threshold test, so a mean of perfect scores that floating point puts a hair under 1 still passes. */
const EPSILON = 1e-9;

/** What the teacher did on one train example with one sample. Demos only when it passed. */
export interface TeacherOutcome {
  score: number;
  /** Each LM step's own inputs and outputs from the trace, only for a passing example. */
  demos?: Record<string, Demo>;
  /** Why the example failed to run, when it did. */
  error?: string;
  /**
   * For an example that ran but did not pass: what each agent (react) step did — its inputs and
   * tool calls — so a proposer can be shown which tool paths fell short (mipro). Passing examples
   * have it in their demos' trajectories.
   */
  agentRuns?: Record<string, AgentRun>;
}

/**
 * Teacher outcomes already paid for: by sample ("0", "1", …), then by train index. Kept in the
 * state so that later collections (random search's candidates) reuse them instead of paying again.
 */
export type TeacherMemo = Record<string, Record<string, TeacherOutcome>>;

/** One collection in progress. */
export interface Collection {
  /** Train indices in the order the teacher goes through them. */
  order: number[];
  /** How many passing traces to collect. */
  max: number;
  /** Current round (0-based); round r uses teacher sample r. */
  round: number;
  /** Position in `order` within the current round. */
  cursor: number;
  /** Passing examples kept, in the order they were found, with the sample whose trace is used. */
  picked: { index: number; sample: number }[];
  /** Teacher results looked at (fresh or from the memo). */
  tried: number;
}

export function newCollection(order: readonly number[], max: number): Collection {
  return { order: [...order], max, round: 0, cursor: 0, picked: [], tried: 0 };
}

export function collectionDone(c: Collection, rounds: number): boolean {
  return c.picked.length >= c.max || c.round >= rounds;
}

/**
 * A teacher result as kept in the memo: only a result that ran without error and reached the
 * threshold keeps its trace (as demos); any other result keeps its score, and one that ran what
 * its agent steps did (their tool calls).
 */
export function outcomeOf(graph: Graph, result: ExampleResult, threshold: number): TeacherOutcome {
  if (result.error) return { score: result.score, error: result.error.message };
  if (!(result.score >= threshold - EPSILON)) {
    const agentRuns = agentRunsOf(graph, result);
    return Object.keys(agentRuns).length > 0 ? { score: result.score, agentRuns } : { score: result.score };
  }
  return { score: result.score, demos: Object.fromEntries(tracedDemos(graph, result)) };
}

export function passed(outcome: TeacherOutcome | undefined): outcome is TeacherOutcome & { demos: Record<string, Demo> } {
  return outcome?.demos !== undefined;
}

/** Least number of train examples the teacher runs at once (enough to keep a few requests in flight). */
export const MIN_TEACHER_BATCH = 8;

/** How many not-yet-run examples one step sends to the teacher: twice the traces still missing, at least MIN_TEACHER_BATCH. */
export function teacherBatch(missing: number): number {
  return Math.max(MIN_TEACHER_BATCH, 2 * missing);
}

/**
 * LM calls one evaluated example makes, as the baseline's dev evaluation measured them (nominal
 * calls, so the same on a resumed run), and at least one per LM step.
 */
export function measuredCallsPerExample(baseline: ScoreSet, lmSteps: number): number {
  const results = baseline.results;
  const mean = results.length > 0 ? results.reduce((n, r) => n + r.nominal.calls, 0) / results.length : 0;
  return Math.max(lmSteps, mean, 1);
}

/**
 * Whether to stop collecting and score the demos collected so far: the calls and rollouts the
 * budget has left pay for the dev evaluation of a candidate now, but not after one more teacher
 * batch (counted at its largest). Without this, a collection still short of traces would spend
 * the last of the budget on the teacher and end with no candidate scored at all. Decided from the
 * budget's nominal counts, so a resumed run decides the same.
 */
export function stopCollecting(budget: Budget, c: Collection, dev: number, callsPerExample: number): boolean {
  const batch = Math.min(teacherBatch(c.max - c.picked.length), c.order.length);
  const fits = (examples: number) => budget.fits({ calls: examples * callsPerExample, rollouts: examples });
  return fits(dev) && !fits(batch + dev);
}

/** The "budget" event of a collection cut short by stopCollecting. */
export function reportCut(ctx: OptimizeContext, c: Collection, label: string): void {
  ctx.event("budget", {
    summary: `${label}: the budget left pays for the dev evaluation but not for another teacher batch as well; scoring the ${c.picked.length} of ${c.max} traces collected`,
    kept: c.picked.length,
    wanted: c.max,
  });
}

export interface Advance {
  collection: Collection;
  memo: TeacherMemo;
}

/**
 * One step of a collection: at most one teacher call. From the cursor, takes the examples of this
 * round not picked yet, up to `teacherBatch` of them the memo does not know; runs the teacher on
 * those (sample = round); then walks them in order, keeping each passing one until `max` are kept.
 * At the end of the order the next round starts over, re-trying only what has not passed.
 */
export async function advanceCollection(ctx: OptimizeContext, c: Collection, memo: TeacherMemo, threshold: number): Promise<Advance> {
  const sample = c.round;
  const key = String(sample);
  const known = memo[key] ?? {};
  const picked = new Set(c.picked.map((p) => p.index));
  const window: { index: number; position: number }[] = [];
  const unknown: number[] = [];
  const batch = teacherBatch(c.max - c.picked.length);
  let position = c.cursor;
  for (; position < c.order.length && unknown.length < batch; position++) {
    const index = c.order[position]!;
    if (picked.has(index)) continue;
    window.push({ index, position });
    if (known[String(index)] === undefined) unknown.push(index);
  }

  let outcomes = known;
  if (unknown.length > 0) {
    ctx.phase(`bootstrapping: teacher on ${unknown.length} train examples (round ${c.round + 1}, ${c.picked.length}/${c.max} traces kept)`);
    const results = await ctx.teacher(unknown.map((i) => ctx.trainset[i]!), { sample });
    // The evaluator reports every example or throws (budget, interruption): never skip one unseen.
    if (results.length !== unknown.length) throw new Error(`the teacher returned ${results.length} results for ${unknown.length} examples`);
    outcomes = { ...known };
    // Results come in example order: `index` is the position in the list given to the teacher.
    for (const r of results) outcomes[String(unknown[r.index]!)] = outcomeOf(ctx.graph, r, threshold);
  }
  const nextMemo: TeacherMemo = { ...memo, [key]: outcomes };

  const kept = [...c.picked];
  let tried = c.tried;
  let cursor = position;
  for (const w of window) {
    tried++;
    if (passed(outcomes[String(w.index)])) kept.push({ index: w.index, sample });
    if (kept.length >= c.max) {
      cursor = w.position + 1;
      break;
    }
  }
  let round = c.round;
  if (cursor >= c.order.length && kept.length < c.max) {
    round++;
    cursor = 0;
  }
  return { collection: { ...c, round, cursor, picked: kept, tried }, memo: nextMemo };
}

/** The traced demos of a finished collection, per LM step, in the order they were kept. */
export function bootstrappedDemos(graph: Graph, c: Collection, memo: TeacherMemo): Map<string, Demo[]> {
  const out = new Map<string, Demo[]>(graph.lmSteps.map((s) => [s, []]));
  for (const p of c.picked) {
    const outcome = memo[String(p.sample)]?.[String(p.index)];
    // Only passing outcomes carry demos at all; picked ones always do.
    if (!passed(outcome)) continue;
    for (const step of graph.lmSteps) {
      const demo = outcome.demos[step];
      if (demo) out.get(step)!.push({ ...demo });
    }
  }
  return out;
}
