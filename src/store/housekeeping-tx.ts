import type Database from "better-sqlite3";

/** Thrown inside a dry run's transaction to roll it back once its counts are taken. */
class DryRun<T> {
  constructor(readonly result: T) {}
}

/**
 * @internal
 * Runs `work` in one write transaction (taken at once, so nothing another process commits meanwhile
 * escapes what `work` reads): committed, or rolled back after it ran when `dryRun` — a dry run counts
 * exactly what the real one would remove, by removing it and taking it back.
 *
 * Foreign keys are not checked meanwhile: `work` deletes children before parents itself, and with
 * checks on, every evaluation deleted would scan the whole `run_results` table for links to it (no
 * index there serves that), which makes removing a large run quadratic.
 */
export function housekeepingTransaction<T>(db: Database.Database, dryRun: boolean, work: () => T): T {
  const checked = db.pragma("foreign_keys", { simple: true }) === 1;
  if (checked) db.pragma("foreign_keys = OFF");
  try {
    return db
      .transaction(() => {
        const result = work();
        if (dryRun) throw new DryRun(result);
        return result;
      })
      .immediate();
  } catch (err) {
    if (err instanceof DryRun) return err.result as T;
    throw err;
  } finally {
    if (checked) db.pragma("foreign_keys = ON");
  }
}

/** Runs a `DELETE` (or any statement) and returns how many rows it changed. */
export function changes(db: Database.Database, sql: string, params?: Record<string, unknown>): number {
  const statement = db.prepare(sql);
  return (params ? statement.run(params) : statement.run()).changes;
}

/** The one number a `SELECT COUNT(*) AS n …` returns. */
export function count(db: Database.Database, sql: string, params?: Record<string, unknown>): number {
  const statement = db.prepare(sql);
  const row = (params ? statement.get(params) : statement.get()) as { n: number };
  return row.n;
}
