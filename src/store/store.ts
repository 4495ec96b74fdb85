import type Database from "better-sqlite3";
import { CacheStore } from "./cache-store.js";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";
import { dbPath, describeSqliteError, openDatabase } from "./db.js";
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
    writer: StoreWriter,
  ) {
    this.writer = writer;
    this.cache = new CacheStore(db, writer);
    this.runs = new RunsStore(db, writer);
    this.evaluations = new EvaluationsStore(db, writer);
  }

  /** Opens `file` (or --db / DSPX_DB / runs/dspx.db), creating and upgrading it as needed. */
  static open(file?: string): Store {
    const path = dbPath(file);
    const db = openDatabase(path);
    // Prepare every read statement before starting the writer thread: a file that cannot be used
    // fails here, with nothing left running.
    let writer: StoreWriter | undefined;
    try {
      Store.check(db);
      writer = new StoreWriter(path);
      return new Store(db, path, writer);
    } catch (err) {
      void writer?.close();
      db.close();
      throw new UserError({ message: `cannot use the dspx database: ${describeSqliteError(err)}`, pos: { file: displayPath(path) } });
    }
  }

  /** The tables and columns this dspx reads, present as expected. */
  private static check(db: Database.Database): void {
    db.prepare("SELECT key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at, hits FROM lm_cache LIMIT 0").all();
    db.prepare("SELECT id, key, nominal_cost_usd FROM evaluations LIMIT 0").all();
    db.prepare("SELECT run_id, eval_id, memoized FROM run_results LIMIT 0").all();
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
