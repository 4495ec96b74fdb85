import type Database from "better-sqlite3";
import { UserError } from "../util/errors.js";
import { changes, count, housekeepingTransaction } from "./housekeeping-tx.js";
import { liveRuns, type LiveRun } from "./live-runs.js";

/** What removing runs took out of the database (or would, in a dry run). */
export interface RemovedRows {
  runs: number;
  candidates: number;
  events: number;
  checkpoints: number;
  /** The runs' links to evaluations (`run_results`). */
  results: number;
  /** The runs' links to LM cache entries (`lm_cache_uses`); the entries themselves stay. */
  cacheLinks: number;
  /** Evaluations no other run links to (others share them through the memo and keep them). */
  evaluations: number;
}

export interface RunsRemoval {
  /** The runs removed (those of the ids asked for that were still there). */
  runs: string[];
  removed: RemovedRows;
  /**
   * Evaluations no run refers to any more that were kept all the same, because another run is in
   * progress (it may have found one in the memo and be about to link it); `dspx gc` removes them later.
   */
  keptEvaluations: number;
  /** The runs in progress that made evaluations be kept. */
  inProgress: LiveRun[];
  /** Runs removed while still running in a live process (`force`): each process fails at its next write. */
  forced: LiveRun[];
  dryRun: boolean;
}

const IDS = "(SELECT value FROM json_each(@ids))";

/**
 * Deletes runs and everything that is theirs, in one transaction: candidates, events, checkpoint,
 * result links, cache links, and the evaluations no other run links to. LM cache entries are kept
 * (a cache, shared by every run; `dspx gc` and `dspx cache clear` remove entries). A run in progress
 * in a live process is refused unless `force` (that process then fails at its next write).
 *
 * @internal Called through `Store.removeRuns`; the driver stays out of the published types.
 */
export function removeRuns(db: Database.Database, ids: readonly string[], options: { force?: boolean; dryRun?: boolean } = {}): RunsRemoval {
  const params = { ids: JSON.stringify([...new Set(ids)]) };
  return housekeepingTransaction(db, options.dryRun ?? false, () => {
    const live = liveRuns(db);
    const targets = new Set(ids);
    const running = live.filter((r) => targets.has(r.id));
    if (running.length > 0 && !options.force) {
      const which = running.map((r) => `${r.id} (process ${r.pid ?? "unknown"})`).join(", ");
      throw new UserError(
        `${running.length === 1 ? "run" : "runs"} ${which} ${running.length === 1 ? "is" : "are"} still running: stop ${running.length === 1 ? "it" : "them"} first, or give --force (the process then fails at its next write)`,
      );
    }
    const present = (db.prepare(`SELECT id FROM runs WHERE id IN ${IDS} ORDER BY started_at, id`).all(params) as { id: string }[]).map((r) => r.id);
    const inProgress = live.filter((r) => !targets.has(r.id));
    const orphaned = `FROM evaluations WHERE id IN (SELECT eval_id FROM run_results WHERE run_id IN ${IDS})
                        AND id NOT IN (SELECT eval_id FROM run_results WHERE run_id NOT IN ${IDS})`;
    // Another run in progress may have just read one of these from the memo: it keeps them until gc.
    const keptEvaluations = inProgress.length > 0 ? count(db, `SELECT COUNT(*) AS n ${orphaned}`, params) : 0;
    const evaluations = inProgress.length > 0 ? 0 : changes(db, `DELETE ${orphaned}`, params);
    const results = changes(db, `DELETE FROM run_results WHERE run_id IN ${IDS}`, params);
    // Foreign keys are off (see housekeepingTransaction): the order of these deletes does not matter.
    const removed: RemovedRows = {
      runs: changes(db, `DELETE FROM runs WHERE id IN ${IDS}`, params),
      candidates: changes(db, `DELETE FROM candidates WHERE run_id IN ${IDS}`, params),
      events: changes(db, `DELETE FROM events WHERE run_id IN ${IDS}`, params),
      checkpoints: changes(db, `DELETE FROM checkpoints WHERE run_id IN ${IDS}`, params),
      results,
      cacheLinks: changes(db, `DELETE FROM lm_cache_uses WHERE run_id IN ${IDS}`, params),
      evaluations,
    };
    return { runs: present, removed, keptEvaluations, inProgress, forced: running, dryRun: options.dryRun ?? false };
  });
}
