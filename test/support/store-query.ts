import { existsSync } from "node:fs";
import Database from "better-sqlite3";

/**
 * One row of a query on a dspx database another process is writing, read through a connection of
 * its own; undefined while the file or its schema does not exist yet.
 */
export function queryStore<T>(db: string, sql: string, ...params: unknown[]): T | undefined {
  if (!existsSync(db)) return undefined;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).get(...params) as T;
  } catch {
    return undefined; // the schema is still being created
  } finally {
    conn.close();
  }
}
