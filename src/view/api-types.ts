/**
 * The JSON the viewer's API serves under /api/ (and `dspx report` inlines): the contract between the
 * server (src/view/api/), the UI (ui/) and scripts. Fields may be added; none is renamed or removed
 * without a version bump. Every response carries `apiVersion`.
 *
 *   GET /api/runs                                  → RunsResponse      (?kind=&status=&program=&q=)
 *   GET /api/runs/:run                             → RunResponse
 *   GET /api/runs/:run/candidates                  → CandidatesResponse
 *   GET /api/runs/:run/examples                    → ExamplesResponse  (?a=&b=&dataset=&filter=&q=&page=&pageSize=)
 *   GET /api/runs/:run/examples/:example           → ExampleResponse   (?a=&b=&dataset=)
 *   GET /api/compare                               → CompareResponse   (?a=run[:candidate]&b=run[:candidate]&dataset=)
 *   GET /api/messages/:hash                        → MessagesResponse
 */
export const API_VERSION = 1;

export type RunKindView = "eval" | "optimize" | "compare";
export type RunStatusView = "running" | "done" | "failed" | "interrupted";

/** One line of the runs list. */
export interface RunSummary {
  id: string;
  name: string | null;
  kind: RunKindView;
  status: RunStatusView;
  /** A run marked running whose process is gone shows as interrupted; `live` is true only while its process is alive. */
  live: boolean;
  program: string;
  programFile: string;
  /** The main dataset (split) scored: "dev" for optimize, the evaluated (compared) split for eval (compare). */
  split: string;
  /** Optimizer name, or the stages joined by "," for a sequence; null for eval/compare. */
  optimizer: string | null;
  model: string | null;
  bestScore: number | null;
  bestCandidate: string | null;
  calls: number;
  cachedCalls: number;
  costUsd: number | null;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number;
  candidates: number;
}
export interface RunsResponse {
  apiVersion: number;
  runs: RunSummary[];
  /** Runs whose stored row cannot be read (absent when none): listed so that one bad row hides no other. */
  damaged?: { id: string; problem: string }[];
}

export interface BudgetView {
  /** Limits from the run configuration (null: no limit of that kind). */
  limit: { calls: number | null; usd: number | null; rollouts: number | null };
  used: { calls: number; usd: number | null; rollouts: number };
}

/** One point of the score-over-time chart: a candidate's dev score when it was scored. */
export interface ScorePoint {
  candidate: string;
  seq: number;
  at: number;
  score: number;
  /** Best dev score among candidates scored up to and including this one. */
  best: number;
}

export interface EventView {
  seq: number;
  at: number;
  type: string;
  data: unknown;
}

export interface DatasetScoreView {
  dataset: string;
  mean: number;
  n: number;
  errors: number;
  ci95: [number, number] | null;
}

export interface RunResponse {
  apiVersion: number;
  run: RunSummary;
  /** The stored run configuration as read through its schema (credentials were never stored). */
  config: unknown;
  /** The plan the run printed before it started, when recorded (from its events). */
  plan: unknown;
  budget: BudgetView | null;
  stages: { optimizer: string; status: string; bestScore: number | null }[];
  baselineCandidate: string | null;
  scores: ScorePoint[];
  /** Scores of the baseline and of the best candidate on every dataset scored (dev, test…). */
  final: { baseline: DatasetScoreView[]; best: DatasetScoreView[] };
  events: EventView[];
  /** Progress while running: examples scored so far, and the plan's total when known. */
  progress: { done: number; total: number | null };
  /** Changes whenever anything of the run changes: the UI polls and re-renders when it differs. */
  version: string;
  /** A compare run's two sides and their comparison; null for other runs. */
  compare: CompareRunView | null;
}

/** One side of a compare run. */
export interface CompareSideView {
  /** As named on the command line: a run, run:candidate or a program file. */
  ref: string;
  label: string;
  /** The run its candidate came from (null: a program file). */
  run: string | null;
  /** Its candidate in this run (the `a`/`b` of the examples view). */
  candidate: string;
  program: { name: string; file: string };
  models: string[];
  /** Its mean over the examples it has scored so far, and how many. */
  mean: number | null;
  n: number;
}
export interface CompareRunView {
  dataset: string;
  a: CompareSideView;
  b: CompareSideView;
  /**
   * What the run concluded, as `dspx compare` printed it (its bootstrap seed and resamples; for a 0/1
   * metric the exact test): null until the run is done.
   */
  summary: (PairedStats & { resamples: number; seed: number; exact: { aOnly: number; bOnly: number; pValue: number } | null; sameModels: boolean }) | null;
  /** Over the examples both sides have scored so far, by the examples view's code: what a running comparison shows. */
  stats: PairedStats | null;
}

export interface DemoView {
  /** Field name → value, inputs and outputs (and, for agent steps, a trajectory). */
  fields: Record<string, unknown>;
  origin: string | null;
}
export interface StepStateView {
  step: string;
  module: string;
  instruction: string;
  demos: DemoView[];
}
export interface CandidateSummary {
  hash: string;
  seq: number;
  /** baseline, bootstrap, labeled, reflection, merge, random, mipro, … as recorded. */
  origin: string;
  parents: string[];
  createdAt: number;
  /** Scores per dataset scored (minibatch scores are not kept per candidate). */
  scores: Record<string, DatasetScoreView>;
  /** GEPA: on the Pareto frontier at the run's end. */
  onFrontier: boolean;
  /** Which optimizer stage produced it (sequences), else the run's optimizer. */
  stage: string | null;
  /** The reflection or proposal text that produced it, when recorded. */
  note: string | null;
  steps: StepStateView[];
}
export interface CandidatesResponse {
  apiVersion: number;
  run: string;
  candidates: CandidateSummary[];
}

export type ExampleFilter = "all" | "failures" | "errors" | "flips" | "improved" | "regressed";

export interface ExampleSide {
  score: number | null;
  error: string | null;
}
export interface ExampleRow {
  exampleId: string;
  index: number;
  /** Short text of the inputs, for the list and for search. */
  preview: string;
  a: ExampleSide;
  b: ExampleSide;
}
export interface PairedStats {
  n: number;
  meanA: number;
  meanB: number;
  /** mean(b − a), with its paired bootstrap 95% CI and the exact sign test, as `dspx compare`. */
  meanDiff: number;
  ci95: [number, number];
  wins: number;
  losses: number;
  ties: number;
  signTestP: number;
}
export interface ExamplesResponse {
  apiVersion: number;
  run: string;
  dataset: string;
  a: string;
  b: string;
  filter: ExampleFilter;
  q: string;
  page: number;
  pageSize: number;
  /** Rows matching filter and q (before paging). */
  total: number;
  rows: ExampleRow[];
  /** Over every example both candidates scored, independent of filter and paging. */
  stats: PairedStats | null;
  /** In a report only: examples of the dataset left out of the file (errors and changed examples are kept first), and how many there were. */
  omittedExamples?: number;
  totalExamples?: number;
}

export interface LmCallView {
  model: string;
  purpose: string;
  /** Content hash of the rendered messages; GET /api/messages/:hash gives them. Null when traces were off. */
  messagesHash: string | null;
  /** The messages, inlined in ExampleResponse for convenience (same as /api/messages/:hash). */
  messages: { role: string; content: string }[] | null;
  completion: string;
  parseError: string | null;
  cached: boolean;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  latencyMs: number;
}
export interface StepTraceView {
  step: string;
  module: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  latencyMs: number;
  calls: LmCallView[];
  /** Agent steps: the iterations as stored (thought, tool, args, observation, error…). */
  trajectory: unknown[] | null;
}
export interface ExampleCandidateView {
  candidate: string;
  prediction: Record<string, unknown> | null;
  score: number | null;
  feedback: string | null;
  error: string | null;
  steps: StepTraceView[];
}
export interface ExampleResponse {
  apiVersion: number;
  run: string;
  dataset: string;
  exampleId: string;
  inputs: Record<string, unknown>;
  gold: Record<string, unknown>;
  /** Whether the database keeps the example's gold answer ({} in `gold` when it does not: runs recorded before traces were stored). */
  goldStored: boolean;
  a: ExampleCandidateView | null;
  b: ExampleCandidateView | null;
}

export interface CompareResponse {
  apiVersion: number;
  a: { run: string; candidate: string };
  b: { run: string; candidate: string };
  dataset: string;
  stats: PairedStats | null;
}

export interface MessagesResponse {
  apiVersion: number;
  hash: string;
  messages: { role: string; content: string }[];
}

export interface ApiError {
  apiVersion: number;
  error: { status: number; message: string };
}

/**
 * `dspx report` inlines the responses the UI needs into one HTML file, in
 * `<script type="application/json" id="dspx-report">` (with "<" written as \u003c). The UI, finding that
 * element, answers its requests from `responses` instead of fetching. A key is the request's pathname,
 * then "?" and its query parameters sorted by name when it has any (parameters at their defaults
 * left out), e.g. "/api/runs/r1/examples/ex-3?a=c0&b=c7". The examples list is inlined once per
 * candidate pair with every (capped) row under the key with `pageSize=all`; the UI filters, searches
 * and pages it with `filterExampleRows` (src/view/examples-filter.ts), the same function the server uses.
 */
export interface ReportData {
  apiVersion: number;
  generatedAt: number;
  run: string;
  /** The candidate given as run:candidate (compared with the baseline as `b`), when one was. */
  candidate?: string;
  responses: Record<string, unknown>;
  /** Examples whose views were left out of the file, and how many there were in all. */
  omittedExamples: number;
  totalExamples: number;
}
