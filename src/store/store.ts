import type Database from "better-sqlite3";
import { CacheStore } from "./cache-store.js";
import { dbPath, openDatabase } from "./db.js";
import { EvaluationsStore } from "./evaluations-store.js";
import { RunsStore } from "./runs-store.js";
import { StoreWriter } from "./writer.js";

/**
 * The dspx database: a read connection on this thread (opened first, so it creates and migrates
 * the file) and a writer thread that commits every write. Close it when the command ends: closing
 * commits what is still queued.
 */
export class Store {
  readonly cache: CacheStore;
  readonly runs: RunsStore;
  readonly evaluations: EvaluationsStore;
  readonly writer: StoreWriter;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
  ) {
    this.writer = new StoreWriter(file);
    this.cache = new CacheStore(db, this.writer);
    this.runs = new RunsStore(db, this.writer);
    this.evaluations = new EvaluationsStore(db, this.writer);
  }

  /** Opens `file` (or --db / DSPX_DB / runs/dspx.db), creating and upgrading it as needed. */
  static open(file?: string): Store {
    const path = dbPath(file);
    return new Store(openDatabase(path), path);
  }

  /** Resolves once everything written so far is committed. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writer.close();
      } finally {
        this.db.close();
      }
    })();
    return this.closing;
  }
}
