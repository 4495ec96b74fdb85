import type Database from "better-sqlite3";
import { changes, count } from "./housekeeping-tx.js";
import { untracedSql } from "./stored-trace.js";

/** Which runs lose their traces: finished runs started before `before` and/or beyond the newest `keepRuns`. */
export interface TraceRetention {
  /** Runs started before this (ms since the epoch) lose them; absent: age alone keeps none. */
  before?: number;
  /** The newest this many runs keep them, whatever their age. */
  keepRuns?: number;
}

export interface TracesDropped {
  /** Evaluations rewritten without messages, completions and trajectories. */
  evaluations: number;
  /** The runs whose traces went (every evaluation they link is now without one, unless a kept run links it too). */
  runs: number;
  /** Text removed from the rewritten traces (the file shrinks by it after a VACUUM). */
  bytes: number;
}

export interface BlobsRemoved {
  blobs: number;
  bytes: number;
}

/**
 * A run keeps its traces when it is not done (running, interrupted or failed: resume reads them),
 * started at or after `before`, or is among the newest `keepRuns`: only done runs that neither
 * rule keeps lose them.
 */
function keptRunsSql(retention: TraceRetention): string {
  const kept = ["status <> 'done'"];
  if (retention.before !== undefined) kept.push("started_at >= @before");
  if (retention.keepRuns !== undefined) kept.push("id IN (SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT @keepRuns)");
  return `SELECT id FROM runs WHERE ${kept.join(" OR ")}`;
}

/**
 * Rewrites the traces of the evaluations only old runs link to (see `keptRunsSql`) without what
 * only a viewer reads: messages, completions, tool calls, trajectories (scores, outputs, steps'
 * inputs and outputs, tokens and costs stay, so memo and resume still work; a run keeping traces
 * evaluates such an example again instead of reusing it). Runs inside the caller's transaction.
 */
export function dropTraces(db: Database.Database, retention: TraceRetention): TracesDropped {
  const params = { ...(retention.before !== undefined ? { before: retention.before } : {}), ...(retention.keepRuns !== undefined ? { keepRuns: retention.keepRuns } : {}) };
  const kept = keptRunsSql(retention);
  db.exec("DROP TABLE IF EXISTS temp.gc_untraced");
  db.prepare(
    `CREATE TEMP TABLE gc_untraced AS SELECT id FROM evaluations WHERE traced = 1
       AND id IN (SELECT eval_id FROM run_results)
       AND id NOT IN (SELECT eval_id FROM run_results WHERE run_id IN (${kept}))`,
  ).run(params);
  try {
    const runs = count(db, `SELECT COUNT(DISTINCT run_id) AS n FROM run_results WHERE eval_id IN (SELECT id FROM temp.gc_untraced)`);
    const length = () => count(db, "SELECT COALESCE(SUM(length(trace)), 0) AS n FROM evaluations WHERE id IN (SELECT id FROM temp.gc_untraced)");
    const before = length();
    const evaluations = changes(db, `UPDATE evaluations SET trace = ${untracedSql("trace")}, traced = 0 WHERE id IN (SELECT id FROM temp.gc_untraced)`);
    return { evaluations, runs, bytes: before - length() };
  } finally {
    db.exec("DROP TABLE temp.gc_untraced");
  }
}

/**
 * The blobs nothing refers to: message lists no traced evaluation's call names, messages no such
 * list names, examples no evaluation names. Runs inside the caller's transaction; the caller makes
 * sure no run is in progress (one may have written blobs for an evaluation not yet committed).
 */
export function removeUnreferencedBlobs(db: Database.Database, options: { count?: boolean } = {}): BlobsRemoved {
  const live = `WITH lists AS (SELECT DISTINCT t.value AS hash FROM evaluations e, json_tree(e.trace) t WHERE e.traced = 1 AND t.key = 'messagesHash' AND t.type = 'text'),
    parts AS (SELECT DISTINCT p.value AS hash FROM lists l JOIN blobs b ON b.hash = l.hash, json_each(b.content) p WHERE json_valid(b.content) AND json_type(b.content) = 'array'),
    live AS (SELECT hash FROM lists UNION SELECT hash FROM parts UNION SELECT example_hash FROM evaluations WHERE example_hash IS NOT NULL)`;
  const dead = `FROM blobs WHERE hash NOT IN (SELECT hash FROM live)`;
  const bytes = count(db, `${live} SELECT COALESCE(SUM(length(content)), 0) AS n ${dead}`);
  const blobs = options.count ? count(db, `${live} SELECT COUNT(*) AS n ${dead}`) : changes(db, `${live} DELETE ${dead}`);
  return { blobs, bytes };
}
