import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../util/errors.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.js";
import { displayPath } from "../util/display-path.js";

export const DEFAULT_DB = "runs/dspx.db";

/** Where the database lives: --db, then DSPX_DB, then runs/dspx.db under the working directory. */
export function dbPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? env.DSPX_DB ?? DEFAULT_DB);
}

export interface OpenOptions {
  readonly?: boolean;
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
  let db: Database.Database;
  try {
    if (!options.readonly) mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { readonly: Boolean(options.readonly), fileMustExist: Boolean(options.readonly) });
  } catch (err) {
    throw fail(`cannot open the dspx database: ${describeSqliteError(err)}`);
  }
  try {
    db.pragma("busy_timeout = 10000");
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    db.pragma("foreign_keys = ON");
    migrate(db, options.migrations ?? MIGRATIONS, display, Boolean(options.readonly));
    return db;
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    throw fail(`cannot use the dspx database: ${describeSqliteError(err)}`);
  }
}

function migrate(db: Database.Database, migrations: readonly Migration[], display: string, readonly: boolean): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.length > 0 ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest) {
    throw new UserError({
      message: `this database was written by a newer dspx (schema version ${current}; this dspx knows up to ${latest}): upgrade dspx, or use another --db`,
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
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  });
  apply.immediate();
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
