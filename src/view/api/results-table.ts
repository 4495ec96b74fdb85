import { scoreOf } from "../../evaluate/dataset-score.js";
import type { DatasetScoreView } from "../api-types.js";
import type { ViewStore } from "../view-store.js";

/** One result a run recorded, without its trace: what scores, charts and lists are made of. */
export interface LightResult {
  candidate: string;
  dataset: string;
  exampleId: string;
  idx: number;
  score: number;
  error: string | null;
  at: number;
}

const LIGHT_COLUMNS = "r.rowid, r.candidate, r.dataset, r.example_id, r.idx, e.score, json_extract(e.error, '$.message'), r.at";

function lightRow([, candidate, dataset, exampleId, idx, score, error, at]: unknown[]): LightResult {
  return {
    candidate: String(candidate),
    dataset: String(dataset),
    exampleId: String(exampleId),
    idx: Number(idx),
    score: Number(score),
    error: error === null || error === undefined ? null : String(error),
    at: Number(at),
  };
}

const byPosition = (x: LightResult, y: LightResult) => (x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : x.dataset < y.dataset ? -1 : x.dataset > y.dataset ? 1 : x.idx - y.idx);

/** Per store and run: every result read so far by (candidate, dataset, example), and the last link's rowid. */
const known = new WeakMap<ViewStore, Map<string, { byKey: Map<string, LightResult>; lastRowid: number; sorted: LightResult[] }>>();

/**
 * Every result of a run (or of one candidate on one dataset), in (candidate, dataset, idx) order,
 * read without parsing any trace. A whole run's results are read once and then only the links
 * written since (a run's links only ever grow, a replaced one comes back with a new rowid): reading
 * them all joins every evaluation row, a second for a run of 200,000.
 */
export function lightResults(store: ViewStore, runId: string, filter: { candidate?: string; dataset?: string } = {}): LightResult[] {
  if (filter.candidate !== undefined || filter.dataset !== undefined) {
    const rows = store.db
      .prepare(
        `SELECT ${LIGHT_COLUMNS} FROM run_results r JOIN evaluations e ON e.id = r.eval_id
         WHERE r.run_id = @runId AND (@candidate IS NULL OR r.candidate = @candidate) AND (@dataset IS NULL OR r.dataset = @dataset)
         ORDER BY r.candidate, r.dataset, r.idx`,
      )
      .raw()
      .all({ runId, candidate: filter.candidate ?? null, dataset: filter.dataset ?? null }) as unknown[][];
    return rows.map(lightRow);
  }
  return store.memo(`results:${runId}`, () => {
    let runs = known.get(store);
    if (!runs) known.set(store, (runs = new Map()));
    let state = runs.get(runId);
    if (!state) runs.set(runId, (state = { byKey: new Map(), lastRowid: 0, sorted: [] }));
    const fresh = store.db
      .prepare(`SELECT ${LIGHT_COLUMNS} FROM run_results r JOIN evaluations e ON e.id = r.eval_id WHERE r.run_id = ? AND r.rowid > ?`)
      .raw()
      .all(runId, state.lastRowid) as unknown[][];
    for (const raw of fresh) {
      const r = lightRow(raw);
      state.byKey.set(`${r.candidate}\u0000${r.dataset}\u0000${r.exampleId}`, r);
      state.lastRowid = Math.max(state.lastRowid, Number(raw[0]));
    }
    // Links removed (the run deleted, or rows replaced by another process's cleanup): read it all again.
    const count = store.db.prepare("SELECT COUNT(*) FROM run_results WHERE run_id = ?").pluck().get(runId) as number;
    if (count !== state.byKey.size) {
      runs.delete(runId);
      return count === 0 ? [] : lightResults(store, runId);
    }
    if (fresh.length > 0) state.sorted = [...state.byKey.values()].sort(byPosition);
    return state.sorted;
  });
}

/** Results grouped by candidate, then dataset. */
export function byCandidate(rows: readonly LightResult[]): Map<string, Map<string, LightResult[]>> {
  const out = new Map<string, Map<string, LightResult[]>>();
  for (const r of rows) {
    let datasets = out.get(r.candidate);
    if (!datasets) out.set(r.candidate, (datasets = new Map()));
    let list = datasets.get(r.dataset);
    if (!list) datasets.set(r.dataset, (list = []));
    list.push(r);
  }
  return out;
}

/** A candidate's score on a dataset as `dspx show` computes it (scoreOf), in the API's shape. */
export function datasetScoreView(dataset: string, rows: readonly LightResult[]): DatasetScoreView {
  const s = scoreOf(rows);
  const ci = Number.isFinite(s.ci95[0]) && Number.isFinite(s.ci95[1]) ? s.ci95 : null;
  return { dataset, mean: s.mean, n: s.n, errors: s.errors, ci95: ci };
}

export function scoresOf(datasets: Map<string, LightResult[]> | undefined): Record<string, DatasetScoreView> {
  return Object.fromEntries([...(datasets ?? new Map<string, LightResult[]>())].map(([d, rs]) => [d, datasetScoreView(d, rs)]));
}

/** A run's results grouped by candidate and dataset, made once per change of the database. */
export function groupedResults(store: ViewStore, runId: string): Map<string, Map<string, LightResult[]>> {
  return store.memo(`grouped:${runId}`, () => byCandidate(lightResults(store, runId)));
}
