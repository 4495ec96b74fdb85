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

/** Every result of a run (or of one candidate on one dataset), in (candidate, dataset, idx) order, read without parsing any trace. */
export function lightResults(store: ViewStore, runId: string, filter: { candidate?: string; dataset?: string } = {}): LightResult[] {
  const rows = store.db
    .prepare(
      `SELECT r.candidate, r.dataset, r.example_id, r.idx, e.score, json_extract(e.error, '$.message'), r.at
       FROM run_results r JOIN evaluations e ON e.id = r.eval_id
       WHERE r.run_id = @runId AND (@candidate IS NULL OR r.candidate = @candidate) AND (@dataset IS NULL OR r.dataset = @dataset)
       ORDER BY r.candidate, r.dataset, r.idx`,
    )
    .raw()
    .all({ runId, candidate: filter.candidate ?? null, dataset: filter.dataset ?? null }) as unknown[][];
  return rows.map(([candidate, dataset, exampleId, idx, score, error, at]) => ({
    candidate: String(candidate),
    dataset: String(dataset),
    exampleId: String(exampleId),
    idx: Number(idx),
    score: Number(score),
    error: error === null || error === undefined ? null : String(error),
    at: Number(at),
  }));
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
