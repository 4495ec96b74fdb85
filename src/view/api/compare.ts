import { API_VERSION, type CompareResponse } from "../api-types.js";
import { mainDataset } from "../../store/run-config.js";
import type { RunRecord } from "../../store/runs-store.js";
import { pairedStats } from "../paired-stats.js";
import type { ViewStore } from "../view-store.js";
import { badRequest, notFound } from "./failure.js";
import { baselineOf, findCandidate, findRun } from "./lookup.js";
import { param } from "./params.js";
import { lightResults } from "./results-table.js";

/** `run` (its best candidate) or `run:candidate`. */
function side(store: ViewStore, query: URLSearchParams, name: "a" | "b"): { run: RunRecord; candidate: string } {
  const ref = param(query, name);
  if (!ref) throw badRequest(`${name}: expected run or run:candidate`);
  const [runRef, candidateRef, ...rest] = ref.split(":");
  if (rest.length > 0 || !runRef) throw badRequest(`${name}: expected run or run:candidate, got ${JSON.stringify(ref)}`);
  const run = findRun(store, runRef);
  const candidate = candidateRef ? findCandidate(store, run, candidateRef) : (run.bestCandidate ?? baselineOf(store, run.id));
  if (!candidate) throw notFound(`run ${run.id} has no candidates`);
  return { run, candidate };
}

/**
 * GET /api/compare: two recorded candidates (of one run or two) on the examples both were scored on
 * in a dataset, by the same statistics as `dspx compare`. Read only: nothing is evaluated, so pairs
 * exist only where both were scored already (`dspx compare` scores what is missing).
 */
export function getCompare(store: ViewStore, query: URLSearchParams): CompareResponse {
  const a = side(store, query, "a");
  const b = side(store, query, "b");
  const dataset = param(query, "dataset") ?? mainDataset(a.run);
  const scoresB = new Map(lightResults(store, b.run.id, { candidate: b.candidate, dataset }).map((r) => [r.exampleId, r.score]));
  const pairs = lightResults(store, a.run.id, { candidate: a.candidate, dataset })
    .filter((r) => scoresB.has(r.exampleId))
    .map((r) => ({ exampleId: r.exampleId, a: r.score, b: scoresB.get(r.exampleId)! }));
  return {
    apiVersion: API_VERSION,
    a: { run: a.run.id, candidate: a.candidate },
    b: { run: b.run.id, candidate: b.candidate },
    dataset,
    stats: pairedStats(pairs),
  };
}
