import { scoreOf, type DatasetScore } from "../evaluate/dataset-score.js";
import type { RunResultRow } from "../store/evaluations-store.js";
import { mainDataset } from "../store/run-config.js";
import type { CandidateRecord, EventRecord, RunRecord } from "../store/runs-store.js";
import type { Store } from "../store/store.js";

export interface CandidateView extends CandidateRecord {
  scores: Record<string, DatasetScore>;
}

export interface RunView {
  run: RunRecord;
  candidates: CandidateView[];
  /** Results of the best candidate on its main dataset, in dataset order. */
  results: RunResultRow[];
  /** The score as it developed: for eval runs the running mean in completion order; for optimize runs the best score per candidate. */
  progression: number[];
  events: EventRecord[];
}

/** Everything `dspx show` presents about a run, read from the store. */
export function runView(store: Store, run: RunRecord): RunView {
  const rows = store.evaluations.results(run.id);
  const candidates = store.runs.candidates(run.id).map((c): CandidateView => {
    const mine = rows.filter((r) => r.candidate === c.hash);
    const byDataset = new Map<string, RunResultRow[]>();
    for (const r of mine) byDataset.set(r.dataset, [...(byDataset.get(r.dataset) ?? []), r]);
    return { ...c, scores: Object.fromEntries([...byDataset].map(([d, rs]) => [d, scoreOf(rs)])) };
  });
  const best = run.bestCandidate ?? candidates[0]?.hash;
  const main = mainDataset(run);
  const results = rows.filter((r) => r.candidate === best && r.dataset === main);
  const progression =
    run.kind === "eval"
      ? runningMean([...results].sort((a, b) => a.at - b.at || a.idx - b.idx).map((r) => r.score))
      : bestSoFar(candidates.map((c) => c.scores[main]?.mean).filter((m): m is number => m !== undefined));
  return { run, candidates, results, progression, events: store.runs.events(run.id) };
}

function runningMean(scores: number[]): number[] {
  let sum = 0;
  return scores.map((s, i) => (sum += s) / (i + 1));
}

function bestSoFar(scores: number[]): number[] {
  let best = -Infinity;
  return scores.map((s) => (best = Math.max(best, s)));
}
