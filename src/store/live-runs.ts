import type Database from "better-sqlite3";

/** Whether the process that owns a "running" run is gone (so the run was cut off). */
export function processGone(pid: number | undefined): boolean {
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A run recorded as running whose process is alive (this one's included): it may still write, and link evaluations it found. */
export interface LiveRun {
  id: string;
  pid: number | null;
}

/**
 * The runs in progress. Read the column values as they are (a damaged row counts when its status and
 * pid still read): a run in doubt is treated as live, since wrongly keeping rows costs nothing.
 *
 * @internal The driver stays out of the published types.
 */
export function liveRuns(db: Database.Database): LiveRun[] {
  const rows = db.prepare("SELECT id, pid FROM runs WHERE status = 'running' ORDER BY started_at, id").all() as { id: unknown; pid: unknown }[];
  return rows
    .map((r) => ({ id: String(r.id), pid: typeof r.pid === "number" ? r.pid : null }))
    .filter((r) => !processGone(r.pid ?? undefined));
}
