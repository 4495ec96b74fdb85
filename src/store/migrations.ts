/**
 * Schema versions, in order. Each runs once, in a transaction; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "LM response cache",
    sql: `
      CREATE TABLE lm_cache (
        key               BLOB PRIMARY KEY,   -- sha256 of the request (32 bytes)
        provider          TEXT NOT NULL,
        model             TEXT NOT NULL,
        response          TEXT NOT NULL,
        response_model    TEXT NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cached_tokens     INTEGER NOT NULL,
        cost_usd          REAL,
        latency_ms        REAL NOT NULL,
        created_at        INTEGER NOT NULL,
        hits              INTEGER NOT NULL DEFAULT 0,
        last_hit_at       INTEGER
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
