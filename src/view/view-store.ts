import { existsSync } from "node:fs";
import type Database from "better-sqlite3";
import { dbPath, openDatabase, openForReading } from "../store/db.js";
import { EvaluationsStore } from "../store/evaluations-store.js";
import { RunsStore } from "../store/runs-store.js";
import { TraceReader } from "../store/trace-reader.js";
import { ReadOnlyWriter } from "../store/writer.js";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";

/**
 * What the viewer reads: a read-only connection (better-sqlite3 `readonly: true`; the file is in WAL
 * mode, so a run written by another process shows as it is committed) with the store's own readers
 * over it, and the connection itself for the few aggregate queries the viewer needs that the store's
 * readers do not answer quickly (they parse every trace).
 */
export interface ViewStore {
  readonly file: string;
  readonly db: Database.Database;
  readonly runs: RunsStore;
  readonly evaluations: EvaluationsStore;
  /** Stored messages and examples (inputs and gold), by content hash. */
  readonly traces: TraceReader;
  /**
   * `compute()`, or what it returned last time for `key` when nothing was committed to the database
   * since (by any connection: SQLite's data_version). What the viewer derives from a big run is made
   * once per change, not once per request of the polling UI.
   */
  memo<T>(key: string, compute: () => T): T;
  close(): void;
}

/** Opens `file` (or --db / DSPX_DB / runs/dspx.db) for reading only; a missing file is a UserError. */
export function openViewStore(file?: string): ViewStore {
  const path = dbPath(file);
  if (!existsSync(path)) {
    throw new UserError({ message: "there is no dspx database here (dspx eval and dspx optimize create it; --db or DSPX_DB name another)", pos: { file: displayPath(path) } });
  }
  // A database of an older schema is upgraded first, as any command opening it would; the viewer's
  // own connection stays read-only. Where the file cannot be written, the read-only open (or, on
  // read-only media, a copy in memory, where what is written meanwhile does not show) says what is wrong.
  let upgrade: unknown;
  try {
    openDatabase(path).close();
  } catch (err) {
    upgrade = err;
  }
  return viewStoreOver(openForReading(path, upgrade), path);
}

/** The viewer's readers over an open connection (tests and the bench pass their own). */
export function viewStoreOver(db: Database.Database, file: string): ViewStore {
  const writer = new ReadOnlyWriter(file);
  const version = db.prepare("PRAGMA data_version").pluck();
  const memos = new Map<string, unknown>();
  let seen: unknown;
  return {
    file,
    db,
    runs: new RunsStore(db, writer, file, () => writer.write(), true),
    evaluations: new EvaluationsStore(db, writer, file),
    traces: new TraceReader(db, file),
    memo<T>(key: string, compute: () => T): T {
      const now = version.get();
      if (now !== seen) {
        memos.clear();
        seen = now;
      }
      if (memos.has(key)) return memos.get(key) as T;
      const value = compute();
      memos.set(key, value);
      return value;
    },
    close: () => db.close(),
  };
}
