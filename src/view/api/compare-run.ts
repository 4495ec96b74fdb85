import type { CompareRunView, CompareSideView } from "../api-types.js";
import type { CompareSideConfig } from "../../store/run-config.js";
import type { RunOf } from "../../store/runs-store.js";
import { pairedStats } from "../paired-stats.js";
import type { ViewStore } from "../view-store.js";
import { lightResults, type LightResult } from "./results-table.js";

/**
 * A compare run's sides and their comparison: each side's program, models and score so far; the
 * summary the run recorded when it finished; and the paired statistics over what both sides have
 * scored so far (what a running comparison shows, and the same as the examples view's).
 */
export function compareRunView(store: ViewStore, run: RunOf<"compare">): CompareRunView {
  const { a, b, dataset } = run.config;
  const ra = lightResults(store, run.id, { candidate: a.candidate, dataset });
  const rb = lightResults(store, run.id, { candidate: b.candidate, dataset });
  const scoresB = new Map(rb.map((r) => [r.exampleId, r.score]));
  const s = run.totals.compare;
  return {
    dataset,
    a: sideView(a, ra),
    b: sideView(b, rb),
    summary: s
      ? {
          n: s.n,
          meanA: s.meanA,
          meanB: s.meanB,
          meanDiff: s.diff,
          ci95: s.ci95,
          wins: s.improved,
          losses: s.regressed,
          ties: s.ties,
          signTestP: s.signTestP,
          resamples: s.bootstrap.resamples,
          seed: s.bootstrap.seed,
          exact: s.exact ?? null,
          sameModels: s.sameModels,
        }
      : null,
    stats: pairedStats(ra.filter((r) => scoresB.has(r.exampleId)).map((r) => ({ exampleId: r.exampleId, a: r.score, b: scoresB.get(r.exampleId)! }))),
  };
}

function sideView(side: CompareSideConfig, results: readonly LightResult[]): CompareSideView {
  return {
    ref: side.ref,
    label: side.label,
    run: side.run ?? null,
    candidate: side.candidate,
    program: { name: side.program.name, file: side.program.file },
    models: side.models,
    mean: results.length > 0 ? results.reduce((t, r) => t + r.score, 0) / results.length : null,
    n: results.length,
  };
}
