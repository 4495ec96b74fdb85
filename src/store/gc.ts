import type Database from "better-sqlite3";
import { changes, count, housekeepingTransaction } from "./housekeeping-tx.js";
import { dropTraces, removeUnreferencedBlobs, type TraceRetention, type TracesDropped } from "./gc-traces.js";
import { liveRuns, type LiveRun } from "./live-runs.js";

export interface GcOptions {
  /**
   * Only what is older than this (ms since the epoch): evaluations made before it, cache entries
   * last used (read or written) before it. Implies `cache`.
   */
  before?: number;
  /** Also LM cache entries no recorded run used (by default the cache is left alone). */
  cache?: boolean;
  /** Also drop the traces of old runs (`--traces-older-than`, `--keep-traces`): see `dropTraces`. */
  traces?: TraceRetention;
  dryRun?: boolean;
}

/** Rows left behind by runs deleted outside dspx (the sqlite3 shell does not enforce foreign keys). */
export interface OrphanRows {
  results: number;
  candidates: number;
  events: number;
  checkpoints: number;
  /** Links from runs to cache entries where the run or the entry is gone. */
  cacheLinks: number;
}

export interface GcReport {
  /** `blobs`: stored messages and examples nothing refers to any more, and their `blobBytes` of text. */
  removed: { evaluations: number; cacheEntries: number; orphans: OrphanRows; blobs: number; blobBytes: number };
  /**
   * What no run refers to but stays: younger than `before`, the cache when not asked for, evaluations
   * and blobs while a run is in progress.
   */
  kept: { evaluations: number; cacheEntries: number; blobs: number };
  /** With `traces`: what dropping old runs' traces freed. */
  traces?: TracesDropped;
  /** Runs in progress: while there is one, no evaluation is removed (it may be about to link one it found in the memo). */
  inProgress: LiveRun[];
  /** Whether cache entries were considered (`cache` or `before`). */
  cache: boolean;
  dryRun: boolean;
}

const UNREFERENCED_EVALUATIONS = "FROM evaluations WHERE id NOT IN (SELECT eval_id FROM run_results)";
const UNUSED_CACHE = "FROM lm_cache WHERE key NOT IN (SELECT key FROM lm_cache_uses WHERE run_id IN (SELECT id FROM runs))";
const NO_RUN = "run_id NOT IN (SELECT id FROM runs)";

/**
 * Removes, in one transaction, what no run refers to: evaluations no run links to, rows of runs that
 * are gone, stored messages and examples nothing names, and — with `cache` or `before` — LM cache
 * entries no recorded run used; with `traces`, first the traces of old runs (see `dropTraces`). Cache entries a
 * run used stay whatever their age (`dspx cache clear` removes those).
 *
 * Safe beside other processes: their run rows are committed before they read the memo (see
 * `RunsStore.create`), and while one is in progress no evaluation is removed, since it may have just
 * found one, or written one it has not linked yet. Its cache entries are linked to it, so they stay;
 * an old entry it is reading at that very moment may go, which costs at most that call again.
 *
 * @internal Called through `Store.gc`; the driver stays out of the published types.
 */
export function collectGarbage(db: Database.Database, options: GcOptions = {}): GcReport {
  const before = options.before;
  const cache = options.cache === true || before !== undefined;
  const dryRun = options.dryRun ?? false;
  const age = (column: string) => (before === undefined ? "" : ` AND ${column} < @before`);
  const params = before === undefined ? undefined : { before };
  return housekeepingTransaction(db, dryRun, () => {
    const inProgress = liveRuns(db);
    // First the rows of runs that are gone: evaluations only they linked to are then unreferenced too.
    const orphans: OrphanRows = {
      results: changes(db, `DELETE FROM run_results WHERE ${NO_RUN} OR eval_id NOT IN (SELECT id FROM evaluations)`),
      candidates: changes(db, `DELETE FROM candidates WHERE ${NO_RUN}`),
      events: changes(db, `DELETE FROM events WHERE ${NO_RUN}`),
      checkpoints: changes(db, `DELETE FROM checkpoints WHERE ${NO_RUN}`),
      cacheLinks: 0,
    };
    const unreferenced = count(db, `SELECT COUNT(*) AS n ${UNREFERENCED_EVALUATIONS}`);
    const evaluations = inProgress.length > 0 ? 0 : changes(db, `DELETE ${UNREFERENCED_EVALUATIONS}${age("created_at")}`, params);
    const unused = count(db, `SELECT COUNT(*) AS n ${UNUSED_CACHE}`);
    const cacheEntries = cache ? changes(db, `DELETE ${UNUSED_CACHE}${age("COALESCE(last_hit_at, created_at)")}`, params) : 0;
    orphans.cacheLinks = changes(db, `DELETE FROM lm_cache_uses WHERE ${NO_RUN} OR key NOT IN (SELECT key FROM lm_cache)`);
    const traces = options.traces ? dropTraces(db, options.traces) : undefined;
    // A run in progress may have written the blobs of an evaluation it has not committed yet.
    const blobs = removeUnreferencedBlobs(db, { count: inProgress.length > 0 });
    const blobsRemoved = inProgress.length > 0 ? 0 : blobs.blobs;
    return {
      removed: { evaluations, cacheEntries, orphans, blobs: blobsRemoved, blobBytes: blobsRemoved > 0 ? blobs.bytes : 0 },
      kept: { evaluations: unreferenced - evaluations, cacheEntries: unused - cacheEntries, blobs: blobs.blobs - blobsRemoved },
      ...(traces ? { traces } : {}),
      inProgress,
      cache,
      dryRun,
    };
  });
}
