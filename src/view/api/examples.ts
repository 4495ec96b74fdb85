import { API_VERSION, type ExampleFilter, type ExampleRow, type ExampleSide, type ExamplesResponse } from "../api-types.js";
import { mainDataset } from "../../store/run-config.js";
import type { RunRecord } from "../../store/runs-store.js";
import { EXAMPLE_FILTERS, filterExampleRows, pageOf } from "../examples-filter.js";
import { pairedStats } from "../paired-stats.js";
import type { ViewStore } from "../view-store.js";
import { notFound } from "./failure.js";
import { defaultPair, findCandidate, findRun } from "./lookup.js";
import { intParam, oneOfParam, param } from "./params.js";
import { parseInputs, previewOf } from "./inputs.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** The candidates, dataset and side rows an examples request is about: the defaults filled in, every reference checked. */
export interface ExampleScope {
  run: RunRecord;
  a: string;
  b: string;
  dataset: string;
}

export function exampleScope(store: ViewStore, ref: string, query: URLSearchParams): ExampleScope {
  const run = findRun(store, ref);
  const pair = defaultPair(store, run);
  const aRef = param(query, "a");
  const bRef = param(query, "b");
  if (!pair && (aRef || bRef)) throw notFound(`run ${run.id} has no candidates`);
  const a = aRef ? findCandidate(store, run, aRef) : (pair?.a ?? "");
  const b = bRef ? findCandidate(store, run, bRef) : (pair?.b ?? "");
  return { run, a, b, dataset: param(query, "dataset") ?? mainDataset(run) };
}

/**
 * GET /api/runs/:run/examples: every example either candidate scored on the dataset, side by side,
 * filtered (failures, errors, flips, improved, regressed), searched (`q`: example id and inputs) and
 * paged; with the paired statistics over every example both scored.
 */
export function getExamples(store: ViewStore, ref: string, query: URLSearchParams): ExamplesResponse {
  const scope = exampleScope(store, ref, query);
  const filter = oneOfParam<ExampleFilter>(query, "filter", EXAMPLE_FILTERS, "all");
  const q = param(query, "q") ?? "";
  const all = param(query, "pageSize") === "all";
  const pageSize = all ? MAX_PAGE_SIZE : intParam(query, "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const page = all ? 1 : intParam(query, "page", 1, 1, 1_000_000);
  const rows = exampleRows(store, scope);
  const matching = filterExampleRows(rows, { filter, q });
  return {
    apiVersion: API_VERSION,
    run: scope.run.id,
    dataset: scope.dataset,
    a: scope.a,
    b: scope.b,
    filter,
    q,
    page,
    pageSize: all ? matching.length : pageSize,
    total: matching.length,
    rows: all ? matching : pageOf(matching, page, pageSize),
    stats: pairedStats(
      rows.filter((r) => r.a.score !== null && r.b.score !== null).map((r) => ({ exampleId: r.exampleId, a: r.a.score!, b: r.b.score! })),
    ),
  };
}

interface SideRow {
  idx: number;
  score: number;
  error: string | null;
  inputs: unknown;
}

/** Every example either candidate scored on the dataset, in dataset order. */
export function exampleRows(store: ViewStore, scope: ExampleScope): ExampleRow[] {
  if (!scope.a) return [];
  return store.memo(`rows:${scope.run.id}:${scope.a}:${scope.b}:${scope.dataset}`, () => sideBySide(store, scope));
}

function sideBySide(store: ViewStore, scope: ExampleScope): ExampleRow[] {
  const sideA = sideRows(store, scope.run.id, scope.a, scope.dataset);
  const sideB = scope.b === scope.a ? sideA : sideRows(store, scope.run.id, scope.b, scope.dataset);
  const ids = [...new Set([...sideA.keys(), ...sideB.keys()])];
  const side = (r: SideRow | undefined): ExampleSide => ({ score: r ? r.score : null, error: r?.error ?? null });
  return ids
    .map((id) => {
      const ra = sideA.get(id);
      const rb = sideB.get(id);
      const first = ra ?? rb!;
      return { exampleId: id, index: first.idx, preview: previewOf(parseInputs(first.inputs)), a: side(ra), b: side(rb) };
    })
    .sort((x, y) => x.index - y.index);
}

function sideRows(store: ViewStore, runId: string, candidate: string, dataset: string): Map<string, SideRow> {
  const rows = store.db
    .prepare(
      `SELECT r.example_id, r.idx, e.score, json_extract(e.error, '$.message'), json_extract(e.trace, '$[0].inputs')
       FROM run_results r JOIN evaluations e ON e.id = r.eval_id
       WHERE r.run_id = ? AND r.candidate = ? AND r.dataset = ?`,
    )
    .raw()
    .all(runId, candidate, dataset) as unknown[][];
  return new Map(
    rows.map(([id, idx, score, error, inputs]) => [String(id), { idx: Number(idx), score: Number(score), error: error === null ? null : String(error), inputs }]),
  );
}
