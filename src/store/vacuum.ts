import { statSync } from "node:fs";
import type Database from "better-sqlite3";

/** The database's size on disk before and after compacting: the file and its write-ahead log. */
export interface Compaction {
  beforeBytes: number;
  afterBytes: number;
}

function sizeOnDisk(file: string): number {
  return [file, `${file}-wal`].reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
}

/**
 * Rewrites the file without its free pages (VACUUM), then moves the log into it and truncates the log,
 * so the space is given back now. It holds the write lock for the whole copy: other processes' writes
 * wait (up to their busy timeout), which is why `dspx gc` does not compact while a run is in progress.
 * A reader in another process can keep the log from being truncated; the sizes say what happened.
 *
 * @internal Called through `Store.vacuum`; the driver stays out of the published types.
 */
export function vacuum(db: Database.Database, file: string): Compaction {
  const beforeBytes = sizeOnDisk(file);
  db.exec("VACUUM");
  db.pragma("wal_checkpoint(TRUNCATE)");
  return { beforeBytes, afterBytes: sizeOnDisk(file) };
}
