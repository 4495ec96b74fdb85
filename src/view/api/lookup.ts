import type { RunRecord } from "../../store/runs-store.js";
import { UserError } from "../../util/errors.js";
import type { ViewStore } from "../view-store.js";
import { badRequest, notFound } from "./failure.js";

/** The run `ref` names (its id, or a unique prefix of 4 characters or more); 404 when there is none. */
export function findRun(store: ViewStore, ref: string): RunRecord {
  if (!/^[0-9a-z]{4,}$/i.test(ref)) throw notFound(`no run ${JSON.stringify(ref)}`);
  try {
    return store.runs.get(ref) ?? store.runs.resolve(ref);
  } catch (err) {
    // Unknown, ambiguous and damaged runs alike: the message says which.
    if (err instanceof UserError) throw notFound(err.message);
    throw err;
  }
}

/** The candidate hash of `run` that `ref` names (its hash or a unique prefix); 404 when none, 400 when several. */
export function findCandidate(store: ViewStore, run: RunRecord, ref: string): string {
  const hashes = candidateHashes(store, run.id);
  if (hashes.includes(ref)) return ref;
  const matches = ref.length >= 4 ? hashes.filter((h) => h.startsWith(ref)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw badRequest(`candidate ${JSON.stringify(ref)} matches ${matches.length} candidates of run ${run.id}: give more characters`);
  throw notFound(`run ${run.id} has no candidate ${JSON.stringify(ref)}`);
}

export function candidateHashes(store: ViewStore, runId: string): string[] {
  return (store.db.prepare("SELECT hash FROM candidates WHERE run_id = ? ORDER BY seq").pluck().all(runId) as unknown[]).map(String);
}

/** The candidate a run started from: an eval run's only one, an optimize run's first (seq 0). */
export function baselineOf(store: ViewStore, runId: string): string | null {
  return candidateHashes(store, runId)[0] ?? null;
}

/** The default pair an examples view compares: a compare run's sides A and B; else the baseline (a) and the best candidate (b). */
export function defaultPair(store: ViewStore, run: RunRecord): { a: string; b: string } | null {
  if (run.kind === "compare") return { a: run.config.a.candidate, b: run.config.b.candidate };
  const baseline = baselineOf(store, run.id);
  if (baseline === null) return null;
  return { a: baseline, b: run.bestCandidate ?? baseline };
}
