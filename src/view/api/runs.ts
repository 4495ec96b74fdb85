import { API_VERSION, type RunsResponse, type RunSummary } from "../api-types.js";
import { mainDataset, recordedLmOf, type CompareRunConfig } from "../../store/run-config.js";
import { isDamaged, type RunRecord } from "../../store/runs-store.js";
import type { ViewStore } from "../view-store.js";
import { badRequest } from "./failure.js";

/** The most runs the list returns (newest first). */
export const RUNS_LIMIT = 1000;

export interface RunsQuery {
  kind?: string;
  status?: string;
  program?: string;
  q?: string;
}

/** GET /api/runs: every run, newest first, filtered by kind, status, program and a search text. */
export function listRuns(store: ViewStore, query: RunsQuery = {}, now = Date.now()): RunsResponse {
  if (query.kind !== undefined && !["eval", "optimize", "compare"].includes(query.kind)) throw badRequest(`kind: expected eval, optimize or compare, got ${JSON.stringify(query.kind)}`);
  if (query.status !== undefined && !["running", "done", "failed", "interrupted"].includes(query.status)) {
    throw badRequest(`status: expected running, done, failed or interrupted, got ${JSON.stringify(query.status)}`);
  }
  const counts = candidateCounts(store);
  const damaged: { id: string; problem: string }[] = [];
  const runs: RunSummary[] = [];
  for (const r of store.runs.list({ limit: RUNS_LIMIT })) {
    if (isDamaged(r)) {
      damaged.push({ id: r.id, problem: r.damaged });
      continue;
    }
    const s = runSummary(r, counts.get(r.id) ?? 0, now);
    if (query.kind && s.kind !== query.kind) continue;
    if (query.status && s.status !== query.status) continue;
    if (query.program && s.program !== query.program) continue;
    if (query.q && !matches(s, query.q)) continue;
    runs.push(s);
  }
  return { apiVersion: API_VERSION, runs, ...(damaged.length > 0 ? { damaged } : {}) };
}

function matches(s: RunSummary, q: string): boolean {
  const text = q.toLowerCase();
  return [s.id, s.name ?? "", s.program, s.programFile, s.optimizer ?? "", s.model ?? ""].some((f) => f.toLowerCase().includes(text));
}

function candidateCounts(store: ViewStore): Map<string, number> {
  const rows = store.db.prepare("SELECT run_id, COUNT(*) AS n FROM candidates GROUP BY run_id").raw().all() as [string, number][];
  return new Map(rows);
}

/** One run as the runs list shows it. */
export function runSummary(r: RunRecord, candidates: number, now = Date.now()): RunSummary {
  const live = r.status === "running";
  const lm = recordedLmOf(r.config);
  return {
    id: r.id,
    name: r.name ?? null,
    kind: r.kind,
    status: r.status,
    live,
    program: r.programName,
    programFile: r.programFile,
    split: mainDataset(r),
    optimizer: r.kind === "optimize" ? r.config.stages.map((s) => s.optimizer).join(",") : null,
    model: r.kind === "eval" ? r.config.model : r.kind === "compare" ? compareModels(r.config) : (lm.override ?? lm.defaultModel ?? null),
    bestScore: r.bestScore ?? null,
    bestCandidate: r.bestCandidate ?? null,
    calls: r.totals.calls ?? 0,
    cachedCalls: r.totals.cachedCalls ?? 0,
    costUsd: r.totals.costUsd ?? null,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt ?? null,
    durationMs: (r.finishedAt ?? (live ? now : r.updatedAt)) - r.startedAt,
    candidates,
  };
}

/** The models a compare run's sides ran on, each once (null when none was resolved). */
function compareModels(config: CompareRunConfig): string | null {
  const models = [...new Set([...config.a.models, ...config.b.models])];
  return models.length > 0 ? models.join(", ") : null;
}
