import { mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type Database from "better-sqlite3";
import { UserError } from "../util/errors.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
import { displayPath } from "../util/display-path.js";

export const DEFAULT_DB = "runs/dspx.db";

const require = createRequire(import.meta.url);
let driver: typeof Database | undefined;

/** better-sqlite3 (a native addon), loaded when the first database opens: a command that opens none never loads it. */
function sqlite(): typeof Database {
  return (driver ??= require("better-sqlite3") as typeof Database);
}

/** Where the database lives: --db, then DSPX_DB, then runs/dspx.db under the working directory. */
export function dbPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.DSPX_DB ?? DEFAULT_DB);
}

export interface OpenOptions {
  readonly?: boolean;
  /**
   * Read a copy of the file into memory instead of opening it (implies readonly): how a database on
   * read-only media is read, where SQLite cannot create the shared-memory file (-shm) WAL mode needs.
   */
  snapshot?: boolean;
  /** For tests of upgrades: stop at this schema version. */
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the dspx database: WAL so readers never block the writer and a crash
 * loses nothing committed, a busy timeout so two dspx processes share the file, and versioned
 * migrations. Problems a user can fix (locked, read-only, corrupt, written by a newer dspx) are
 * UserErrors naming the file.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  const display = displayPath(file);
  const fail = (message: string) => new UserError({ message, pos: { file: display } });
  const readonly = Boolean(options.readonly || options.snapshot);
  let db: Database.Database;
  try {
    if (options.snapshot) db = new (sqlite())(snapshotOf(file, display), { readonly: true });
    else {
      if (!readonly) mkdirSync(path.dirname(file), { recursive: true });
      db = new (sqlite())(file, { readonly, fileMustExist: readonly });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw fail(`cannot open the dspx database: ${describeSqliteError(err)}`);
  }
  try {
    db.pragma("busy_timeout = 10000");
    if (!readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.pragma("foreign_keys = ON");
    migrate(db, options.migrations ?? MIGRATIONS, display, readonly);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    throw fail(`cannot use the dspx database: ${describeSqliteError(err)}`);
  }
}

/**
 * The file opened for reading only: in place, or — on read-only media, where SQLite cannot create
 * the -shm file a WAL database needs even to read — as a copy in memory. When neither works, `first`
 * (the error of an attempt to open it for writing, when there was one) says what is wrong.
 */
export function openForReading(file: string, first?: unknown): Database.Database {
  try {
    return openDatabase(file, { readonly: true });
  } catch (inPlace) {
    try {
      return openDatabase(file, { snapshot: true });
    } catch (err) {
      // A problem only the copy has (a log it cannot read) is the one to report.
      if (err instanceof UserError && /write-ahead log/.test(err.message)) throw err;
      throw first ?? inPlace;
    }
  }
}

/**
 * An empty dspx database in memory, at the latest schema: what a command that only reads sees when
 * the file does not exist, so that reading never creates a file (or its folder).
 */
export function emptyDatabase(migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  const db = new (sqlite())(":memory:");
  db.pragma("foreign_keys = ON");
  migrate(db, migrations, ":memory:", false);
  return db;
}

function migrate(db: Database.Database, migrations: readonly Migration[], display: string, readonly: boolean): void {
  // One snapshot: another process may be creating the tables of a new file meanwhile.
  const { current, tables } = db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    return { current: version, tables: version <= 0 ? tableNames(db) : [] };
  })();
  const latest = migrations.length > 0 ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new UserError({
      message: `this database was written by a newer dspx (schema version ${current}; this dspx knows up to ${latest}): upgrade dspx, or use another --db`,
      pos: { file: display },
    });
  }
  // A new file has version 0 and no tables; version 0 over tables, or below 0, is not what dspx leaves.
  if (current < 0 || tables.length > 0) {
    throw new UserError({
      message:
        current < 0
          ? `the file is damaged: its schema version is ${current}, which no dspx writes (tables: ${tables.join(", ") || "none"}); restore it from a copy, or use another --db`
          : `the file is damaged or is not a dspx database: it has tables (${tables.slice(0, 5).join(", ")}${tables.length > 5 ? ", …" : ""}) but no dspx schema version; restore it from a copy, or use another --db`,
      pos: { file: display },
    });
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  if (readonly) {
    throw new UserError({ message: `this database needs an upgrade (schema ${current} → ${latest}) but is open read-only`, pos: { file: display } });
  }
  const apply = db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const now = db.pragma("user_version", { simple: true }) as number;
    for (const m of migrations.filter((x) => x.version > now)) {
      const before = m.rebuildsTables ? foreignKeyViolations(db) : 0;
      db.exec(m.sql);
      // Rows of runs deleted outside dspx may already break a reference (gc removes them); a rebuild must add none.
      if (m.rebuildsTables && foreignKeyViolations(db) > before) throw new Error(`migration ${m.version} (${m.description}) would break references between tables`);
      db.pragma(`user_version = ${m.version}`);
    }
  });
  // A table rebuild runs with foreign keys off (so that dropping the old table deletes nothing that
  // references it) and the modern ALTER TABLE RENAME; both are per-connection settings that SQLite
  // ignores inside a transaction, so they are set around it, and put back whatever happens.
  const rebuilds = pending.some((m) => m.rebuildsTables);
  const legacyAlter = rebuilds ? (db.pragma("legacy_alter_table", { simple: true }) as number) : 0;
  if (rebuilds) {
    db.pragma("foreign_keys = OFF");
    db.pragma("legacy_alter_table = OFF");
  }
  try {
    apply.immediate();
  } finally {
    if (rebuilds) {
      db.pragma(`legacy_alter_table = ${legacyAlter ? "ON" : "OFF"}`);
      db.pragma("foreign_keys = ON");
    }
  }
}

/** How many rows reference a row that does not exist (`PRAGMA foreign_key_check`). */
function foreignKeyViolations(db: Database.Database): number {
  return (db.pragma("foreign_key_check") as unknown[]).length;
}

/**
 * The database file's bytes, to open in memory. The header of a WAL-mode file says so (bytes 18–19
 * are 2); a copy in memory has no log beside it, so it is marked as a rollback-journal file (1), which
 * it is as long as no log holds commits: a non-empty -wal file is refused, since the copy would miss them.
 */
function snapshotOf(file: string, display: string): Buffer {
  const log = `${file}-wal`;
  if ((statSync(log, { throwIfNoEntry: false })?.size ?? 0) > 0) {
    throw new UserError({
      message: `cannot read the dspx database: its write-ahead log (${path.basename(log)}) holds commits that SQLite cannot read without writing beside the file; copy the database and its -wal file to a writable folder`,
      pos: { file: display },
    });
  }
  const bytes = readFileSync(file);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  return bytes;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

/** SQLite's error codes in words a user can act on. */
export function describeSqliteError(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  const message = (err as Error).message ?? String(err);
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_CORRUPT_INDEX…) mean what their base code means.
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "the database is locked by another process (try again when it finishes)";
  if (code.startsWith("SQLITE_READONLY")) return "the database file or its folder is read-only";
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") return "the file is not a dspx database or is corrupt";
  if (code.startsWith("SQLITE_CANTOPEN")) return "the file cannot be opened (check the path and permissions)";
  if (code === "SQLITE_FULL") return "the disk is full";
  return message;
}

export { LATEST_VERSION };
