import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import { CacheStore } from "./cache-store.js";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";
import { dbPath, describeSqliteError, emptyDatabase, openDatabase, openForReading } from "./db.js";
import { EvaluationsStore } from "./evaluations-store.js";
import { ToolResultsStore } from "./tool-results-store.js";
import { TraceReader } from "./trace-reader.js";
import { collectGarbage, type GcOptions, type GcReport } from "./gc.js";
import { removeRuns, type RunsRemoval } from "./remove-runs.js";
import { vacuum, type Compaction } from "./vacuum.js";
import { RunsStore } from "./runs-store.js";
import { WRITE_STATEMENTS, type WriteName, type WriteOp } from "./statements.js";
import { InlineWriter } from "./inline-writer.js";
import { ReadOnlyWriter, StoreWriter, type Writer } from "./writer.js";

/** Why the file or its folder cannot be written (a read-only mount, permissions), or undefined when both can. */
function whyNotWritable(file: string): string | undefined {
  for (const p of [file, dirname(file)]) {
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EROFS" ? "the database is on a read-only file system" : "the database file or its folder is read-only";
    }
  }
  return undefined;
}

/**
 * The dspx database: a read connection on this thread (opened first, so it creates and migrates
 * the file) and a writer thread that commits every write. Close it when the command ends: closing
 * commits what is still queued.
 */
export class Store {
  readonly cache: CacheStore;
  readonly runs: RunsStore;
  readonly evaluations: EvaluationsStore;
  readonly toolResults: ToolResultsStore;
  /** Traces read back (a viewer's reads): one result with its trace and example, the messages a call names. */
  readonly traces: TraceReader;
  readonly writer: Writer;
  private closing: Promise<void> | undefined;

  private readonly immediate = new Map<WriteName, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    writer: Writer,
    /** False when the file does not exist and this command only reads: an empty database in memory stands in for it. */
    readonly exists = true,
  ) {
    this.writer = writer;
    this.cache = new CacheStore(db, writer);
    this.runs = new RunsStore(db, writer, file, (op) => this.commitNow(op), exists);
    this.evaluations = new EvaluationsStore(db, writer, file);
    this.toolResults = new ToolResultsStore(db, writer);
    this.traces = new TraceReader(db, file);
  }

  /** One write committed at once on this thread's connection (a read-only store refuses it as its writer does). */
  private commitNow(op: WriteOp): void {
    if (this.writer instanceof ReadOnlyWriter) return this.writer.write();
    let statement = this.immediate.get(op.name);
    try {
      statement ??= this.db.prepare(WRITE_STATEMENTS[op.name]);
      this.immediate.set(op.name, statement);
      statement.run(op.params);
    } catch (err) {
      throw new UserError({ message: `cannot write to the dspx database: ${describeSqliteError(err)}`, pos: { file: displayPath(this.file) } });
    }
  }

  /**
   * Opens `file` (or --db / DSPX_DB / runs/dspx.db), creating and upgrading it as needed. By default
   * it must be writable, which is checked here, before any work (an eval with a paid model would
   * otherwise spend a concurrency's worth of calls before its first write failed). `{ write: false }`
   * is for commands that only read (`runs`, `show`): a file that cannot be opened for writing is
   * then opened read-only. `create` (default: as `write`) says whether a missing file is created;
   * when it is not, the store is an empty database in memory (`exists` false) and no file or folder
   * is made: reading, or removing from, a database that is not there leaves nothing behind.
   */
  static open(file?: string, options: { write?: boolean; create?: boolean } = {}): Store {
    const path = dbPath(file);
    const write = options.write ?? true;
    if (!(options.create ?? write) && !existsSync(path)) return new Store(emptyDatabase(), path, new ReadOnlyWriter(path), false);
    let db: Database.Database;
    let readOnly = false;
    try {
      db = openDatabase(path);
    } catch (err) {
      if (!existsSync(path)) throw err;
      if (write) {
        const why = whyNotWritable(path);
        throw why ? Store.readOnlyError(path, why) : err;
      }
      db = openForReading(path, err);
      readOnly = true;
    }
    // Prepare every read statement before starting the writer thread: a file that cannot be used
    // fails here, with nothing left running.
    let writer: Writer | undefined;
    try {
      Store.check(db, path);
      if (write) Store.checkWritable(db, path);
      writer = readOnly ? new ReadOnlyWriter(path) : process.env.DSPX_BENCH_INLINE_WRITER === "1" ? new InlineWriter(db, path) : new StoreWriter(path);
      return new Store(db, path, writer);
    } catch (err) {
      void writer?.close();
      db.close();
      if (err instanceof UserError) throw err;
      throw new UserError({ message: `cannot use the dspx database: ${describeSqliteError(err)}`, pos: { file: displayPath(path) } });
    }
  }

  private static readOnlyError(path: string, reason: string): UserError {
    return new UserError({
      message: `cannot write to the dspx database: ${reason}; nothing was started (use a writable --db; \`dspx runs\` and \`dspx show\` can still read it)`,
      pos: { file: displayPath(path) },
    });
  }

  /** Starts a write and rolls it back: a read-only file or folder fails here, not at the first real write. */
  private static checkWritable(db: Database.Database, path: string): void {
    try {
      // A write that changes nothing, rolled back: taking the lock alone succeeds on a read-only WAL file.
      db.exec("BEGIN IMMEDIATE");
      db.exec("DELETE FROM runs WHERE 0");
      db.exec("ROLLBACK");
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      const code = (err as { code?: string }).code ?? "";
      if (!code.startsWith("SQLITE_READONLY") && !code.startsWith("SQLITE_CANTOPEN") && !code.startsWith("SQLITE_PERM") && !code.startsWith("SQLITE_IOERR")) throw err;
      throw Store.readOnlyError(path, describeSqliteError(err));
    }
  }

  /** The tables and columns this dspx reads, present as expected: a file at the right version without them is damaged. */
  private static check(db: Database.Database, path: string): void {
    try {
      db.prepare("SELECT key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at, hits, parse_error, tool_calls FROM lm_cache LIMIT 0").all();
      db.prepare("SELECT run_id, key FROM lm_cache_uses LIMIT 0").all();
      db.prepare("SELECT id, key, nominal_cost_usd, traced, example_hash FROM evaluations LIMIT 0").all();
      db.prepare("SELECT hash, content FROM blobs LIMIT 0").all();
      db.prepare("SELECT run_id, eval_id, memoized FROM run_results LIMIT 0").all();
      db.prepare("SELECT key, identity, args, result, latency_ms, created_at FROM tool_results LIMIT 0").all();
    } catch (err) {
      const message = (err as Error).message;
      if (!/^no such (table|column)/.test(message)) throw err;
      throw new UserError({ message: `the file is damaged: ${message}, which its schema version promises; restore it from a copy, or use another --db`, pos: { file: displayPath(path) } });
    }
  }

  /**
   * Deletes runs (by id: see `runs.resolveId`) and what is theirs, in one transaction, once this
   * process's own writes are committed. See `removeRuns`.
   */
  async removeRuns(ids: readonly string[], options: { force?: boolean; dryRun?: boolean } = {}): Promise<RunsRemoval> {
    await this.writer.flush();
    return removeRuns(this.db, ids, options);
  }

  /** Removes what no run refers to, in one transaction. See `collectGarbage`. */
  async gc(options: GcOptions = {}): Promise<GcReport> {
    await this.writer.flush();
    return collectGarbage(this.db, options);
  }

  /** Compacts the file (see `vacuum`); undefined when there is no file. */
  async vacuum(): Promise<Compaction | undefined> {
    if (!this.exists) return undefined;
    await this.writer.flush();
    return vacuum(this.db, this.file);
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
