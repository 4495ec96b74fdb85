import { z } from "zod";
import { API_VERSION, type BudgetView, type DatasetScoreView, type RunResponse, type ScorePoint } from "../api-types.js";
import { mainDataset } from "../../store/run-config.js";
import type { EventRecord, RunRecord } from "../../store/runs-store.js";
import type { ViewStore } from "../view-store.js";
import { eventsByStage } from "../gepa-frontier.js";
import { compareRunView } from "./compare-run.js";
import { findRun } from "./lookup.js";
import { datasetScoreView, groupedResults, lightResults, type LightResult } from "./results-table.js";
import { runSummary } from "./runs.js";

/** What the viewer reads of a checkpoint: a finished run's report keeps the plan it printed. */
const checkpointSchema = z.looseObject({ phase: z.string(), report: z.looseObject({ plan: z.unknown().optional() }).optional() });

/** GET /api/runs/:run: the run, its configuration and plan, budget, score over time, final scores, events and progress. */
export function getRun(store: ViewStore, ref: string, now = Date.now()): RunResponse {
  const run = findRun(store, ref);
  // The status is in the key: a process that died changes it without writing anything.
  const response = store.memo(`run:${run.id}:${run.status}`, () => runResponse(store, run, now));
  return run.status === "running" ? { ...response, run: { ...response.run, durationMs: now - run.startedAt } } : response;
}

function runResponse(store: ViewStore, run: RunRecord, now: number): RunResponse {
  const candidates = store.runs.candidates(run.id);
  const events = store.runs.events(run.id);
  const results = lightResults(store, run.id);
  const grouped = groupedResults(store, run.id);
  const main = mainDataset(run);
  const baseline = candidates[0]?.hash ?? null;
  const best = run.bestCandidate ?? baseline;
  const finalOf = (h: string | null): DatasetScoreView[] => (h ? [...(grouped.get(h) ?? new Map<string, LightResult[]>())].map(([d, rs]) => datasetScoreView(d, rs)) : []);
  return {
    apiVersion: API_VERSION,
    run: runSummary(run, candidates.length, now),
    config: run.config,
    plan: planOf(store, run),
    budget: budgetOf(run),
    stages: stagesOf(run, events),
    baselineCandidate: baseline,
    scores: scorePoints(candidates.map((c) => ({ hash: c.hash, seq: c.seq })), grouped, main),
    final: { baseline: finalOf(baseline), best: finalOf(best) },
    events: events.map((e) => ({ seq: e.seq, at: e.at, type: e.type, data: e.data })),
    progress: { done: results.length, total: run.status === "running" ? (run.kind === "optimize" ? null : (run.totals.expected ?? null)) : run.kind === "eval" ? (run.totals.examples ?? results.length) : run.kind === "compare" ? results.length : null },
    version: runVersion(store, run),
    compare: run.kind === "compare" ? compareRunView(store, run) : null,
  };
}

/**
 * A fingerprint of everything of the run that changes while it runs: its row (status, totals, time),
 * its last event, and how many candidates and results it has. The UI polls it.
 */
export function runVersion(store: ViewStore, run: RunRecord): string {
  const row = store.db
    .prepare(
      `SELECT (SELECT updated_at FROM runs WHERE id = @id),
              (SELECT COALESCE(MAX(seq), -1) FROM events WHERE run_id = @id),
              (SELECT COUNT(*) FROM candidates WHERE run_id = @id),
              (SELECT COUNT(*) FROM run_results WHERE run_id = @id)`,
    )
    .raw()
    .get({ id: run.id }) as unknown[];
  return [run.status, ...row].join(":");
}

function planOf(store: ViewStore, run: RunRecord): unknown {
  if (run.kind !== "optimize") return null;
  try {
    const cp = store.runs.checkpoint(run.id, checkpointSchema);
    return cp?.state.report?.plan ?? null;
  } catch {
    // A damaged checkpoint hides the plan, not the run.
    return null;
  }
}

function budgetOf(run: RunRecord): BudgetView | null {
  if (run.kind !== "optimize") return null;
  const { limits } = run.config;
  const rollouts = run.totals.rollouts;
  return {
    limit: { calls: limits.calls ?? null, usd: limits.usd ?? null, rollouts: limits.rollouts ?? null },
    used: { calls: run.totals.calls ?? 0, usd: run.totals.costUsd ?? null, rollouts: typeof rollouts === "number" ? rollouts : 0 },
  };
}

/** Each optimizer of the run with how it ended: a `stage` event for those a later one followed, the run's status for the last. */
function stagesOf(run: RunRecord, events: readonly EventRecord[]): RunResponse["stages"] {
  if (run.kind !== "optimize") return [];
  const ended = eventsByStage(events)
    .slice(0, -1)
    .map((segment) => segment.at(-1)!.data);
  return run.config.stages.map((s, k) => {
    const e = ended[k];
    if (e) return { optimizer: s.optimizer, status: typeof e.ended === "string" ? e.ended : "done", bestScore: typeof e.dev === "number" ? e.dev : null };
    if (k === ended.length) return { optimizer: s.optimizer, status: run.status, bestScore: run.bestScore ?? null };
    return { optimizer: s.optimizer, status: "pending", bestScore: null };
  });
}

/**
 * Every candidate scored on the whole main dataset, as a point at the time its last result there was
 * recorded, with the best score so far. A candidate scored on part of it (a minibatch, a merge's
 * subsample, a run cut off) is not a point: its mean is over other examples.
 */
export function scorePoints(candidates: readonly { hash: string; seq: number }[], grouped: Map<string, Map<string, LightResult[]>>, main: string): ScorePoint[] {
  const full = Math.max(0, ...candidates.map((c) => grouped.get(c.hash)?.get(main)?.length ?? 0));
  const scored = candidates
    .map((c) => ({ c, rows: grouped.get(c.hash)?.get(main) ?? [] }))
    .filter(({ rows }) => rows.length > 0 && rows.length === full)
    .map(({ c, rows }) => ({ candidate: c.hash, seq: c.seq, at: Math.max(...rows.map((r) => r.at)), score: datasetScoreView(main, rows).mean }))
    .sort((x, y) => x.at - y.at || x.seq - y.seq);
  let best = -Infinity;
  return scored.map((p) => ({ ...p, best: (best = Math.max(best, p.score)) }));
}
