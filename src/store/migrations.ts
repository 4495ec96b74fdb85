/**
 * Schema versions, in order. Each runs once, in a transaction; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * The migration rebuilds a table that others reference (SQLite cannot change a CHECK in place): it
   * runs with foreign keys off, so that dropping the old table cascades nothing, and is committed only
   * if it leaves no more foreign-key violations than there were (see `migrate` in db.ts).
   */
  rebuildsTables?: true;
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
  {
    version: 2,
    description: "runs, candidates, evaluations, events, checkpoints",
    sql: `
      CREATE TABLE runs (
        id             TEXT PRIMARY KEY,
        kind           TEXT NOT NULL CHECK (kind IN ('eval', 'optimize')),
        name           TEXT,
        program_name   TEXT NOT NULL,
        program_file   TEXT NOT NULL,
        program_hash   TEXT NOT NULL,
        program_source TEXT NOT NULL,
        config         TEXT NOT NULL,
        seed           INTEGER,
        status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
        error          TEXT,
        pid            INTEGER,
        started_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        finished_at    INTEGER,
        best_candidate TEXT,
        best_score     REAL,
        totals         TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX runs_started_at ON runs (started_at);

      CREATE TABLE candidates (
        run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        hash       TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        state      TEXT NOT NULL,
        parents    TEXT NOT NULL DEFAULT '[]',
        origin     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, hash)
      );

      -- Append-only: one row per evaluation made. The memo serves the latest error-free row of a key.
      CREATE TABLE evaluations (
        id           TEXT PRIMARY KEY,
        key          TEXT NOT NULL,
        candidate    TEXT NOT NULL,
        example_id   TEXT NOT NULL,
        score        REAL NOT NULL,
        feedback     TEXT,
        outputs      TEXT,
        error        TEXT,
        trace        TEXT NOT NULL,
        usage        TEXT NOT NULL,
        cost_usd     REAL,
        nominal_cost_usd REAL,
        calls        INTEGER NOT NULL,
        cached_calls INTEGER NOT NULL,
        latency_ms   REAL NOT NULL,
        created_at   INTEGER NOT NULL
      );
      CREATE INDEX evaluations_key ON evaluations (key);

      -- Which evaluations a run used, for which candidate, on which dataset, at which position.
      CREATE TABLE run_results (
        run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        candidate  TEXT NOT NULL,
        dataset    TEXT NOT NULL,
        example_id TEXT NOT NULL,
        idx        INTEGER NOT NULL,
        eval_id    TEXT NOT NULL REFERENCES evaluations (id),
        memoized   INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        PRIMARY KEY (run_id, candidate, dataset, example_id)
      );

      CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq    INTEGER NOT NULL,
        at     INTEGER NOT NULL,
        type   TEXT NOT NULL,
        data   TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE checkpoints (
        run_id     TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        step       INTEGER NOT NULL,
        state      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: "LM cache: unreadable completions marked, and which runs used which entries",
    sql: `
      -- Why the completion could not be read by the call that asked for it (null: it could, or was never judged).
      ALTER TABLE lm_cache ADD COLUMN parse_error TEXT;

      -- Which cache entries a run's calls read or wrote (for dspx cache clear --run). No foreign
      -- keys: a link outliving its entry or run is harmless, and clearing tidies them.
      CREATE TABLE lm_cache_uses (
        run_id TEXT NOT NULL,
        key    BLOB NOT NULL,
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX lm_cache_uses_key ON lm_cache_uses (key);
    `,
  },
  {
    version: 4,
    description: "LM cache: the tool calls of a native tool-calling answer",
    sql: `
      -- JSON array of {id, name, arguments} (null: the model called no tool).
      ALTER TABLE lm_cache ADD COLUMN tool_calls TEXT;
    `,
  },
  {
    version: 5,
    description: "tool results, for replay and resume",
    sql: `
      -- One row per (tool identity, canonical arguments): what the tool returned, so a repeated or
      -- resumed run answers the call without calling the tool again. Failed calls are not kept.
      CREATE TABLE tool_results (
        key        BLOB PRIMARY KEY,   -- sha256 of identity and arguments (32 bytes)
        identity   TEXT NOT NULL,
        args       TEXT NOT NULL,      -- canonical JSON
        result     TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    description: "traces: rendered messages and examples stored once per content hash",
    sql: `
      -- Content-addressed text: one rendered message (canonical JSON), a call's message list (a JSON
      -- array of message hashes: its hash is the call's messagesHash), or an example (inputs and gold).
      -- A rowid table: the contents are far larger than SQLite's advice for WITHOUT ROWID rows.
      CREATE TABLE blobs (
        hash    TEXT PRIMARY KEY,   -- sha256 of content, hex
        content TEXT NOT NULL
      );
      -- The example an evaluation scored (a blob), so a viewer shows inputs and gold without the dataset.
      ALTER TABLE evaluations ADD COLUMN example_hash TEXT;
      -- 0: stored without messages, completions or trajectories (--no-traces, or dropped by gc).
      ALTER TABLE evaluations ADD COLUMN traced INTEGER NOT NULL DEFAULT 1;
    `,
  },
  {
    version: 7,
    description: "runs: a `compare` kind",
    rebuildsTables: true,
    sql: `
      -- The runs table as version 2 made it, with 'compare' allowed as a kind. SQLite cannot change a
      -- CHECK in place, so the table is rebuilt (foreign keys are off meanwhile: dropping the old one
      -- cascades nothing), rows keep their rowids (the runs list orders ties by rowid), and the new
      -- table takes the old one's name, which candidates, run_results, events and checkpoints name.
      CREATE TABLE runs_new (
        id             TEXT PRIMARY KEY,
        kind           TEXT NOT NULL CHECK (kind IN ('eval', 'optimize', 'compare')),
        name           TEXT,
        program_name   TEXT NOT NULL,
        program_file   TEXT NOT NULL,
        program_hash   TEXT NOT NULL,
        program_source TEXT NOT NULL,
        config         TEXT NOT NULL,
        seed           INTEGER,
        status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
        error          TEXT,
        pid            INTEGER,
        started_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        finished_at    INTEGER,
        best_candidate TEXT,
        best_score     REAL,
        totals         TEXT NOT NULL DEFAULT '{}'
      );
      INSERT INTO runs_new (rowid, id, kind, name, program_name, program_file, program_hash, program_source, config, seed, status, error, pid,
                            started_at, updated_at, finished_at, best_candidate, best_score, totals)
        SELECT rowid, id, kind, name, program_name, program_file, program_hash, program_source, config, seed, status, error, pid,
               started_at, updated_at, finished_at, best_candidate, best_score, totals
        FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_new RENAME TO runs;
      CREATE INDEX runs_started_at ON runs (started_at);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
