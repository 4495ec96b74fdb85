import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportCommand } from "../../src/cli/commands/export.js";
import { resumeCommand } from "../../src/cli/commands/optimize.js";
import { showCommand } from "../../src/cli/commands/show.js";
import { openDatabase } from "../../src/store/db.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { runInProcess } from "../support/command.js";

// A database as dspx wrote it at schema version 6 (test/store/fixtures/make-v6.mjs): an eval run,
// a finished labeled optimization and a gepa run stopped after step 1. Its paths hold @ROOT@.
const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "test/store/fixtures/v6.db");
const TABLES = ["runs", "candidates", "evaluations", "run_results", "events", "checkpoints", "lm_cache", "lm_cache_uses", "blobs", "tool_results"];

let dir: string;
let file: string;

/** Every row of every table, in rowid (or key) order: what an upgrade must keep. */
function contents(db: Database.Database): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()]));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "dspx-v6-"));
  file = path.join(dir, "dspx.db");
  copyFileSync(FIXTURE, file);
  const db = new Database(file);
  db.prepare("UPDATE runs SET program_file = replace(program_file, '@ROOT@', ?), config = replace(config, '@ROOT@', ?)").run(ROOT, ROOT);
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ids = (db: Database.Database) => Object.fromEntries((db.prepare("SELECT name, id FROM runs").all() as { name: string; id: string }[]).map((r) => [r.name, r.id]));

describe("upgrading a version-6 database to 7 (compare runs)", () => {
  it("keeps every row (and the runs' rowids), and lets a run be of kind compare", () => {
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(6);
    const before = contents(raw);
    const rowids = raw.prepare("SELECT rowid, id FROM runs ORDER BY rowid").all();
    raw.close();
    expect(before.runs).toHaveLength(3);
    expect(before.run_results!.length).toBeGreaterThan(0);
    expect(before.events!.length).toBeGreaterThan(0);
    expect(before.checkpoints!.length).toBeGreaterThan(0);

    const db = openDatabase(file);
    expect(db.pragma("user_version", { simple: true })).toBe(7);
    expect(contents(db)).toEqual(before);
    expect(db.prepare("SELECT rowid, id FROM runs ORDER BY rowid").all()).toEqual(rowids);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    // The connection is left as every other: foreign keys enforced.
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'runs_started_at'").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'runs_new'").get()).toEqual({ n: 0 });

    const insert = db.prepare(
      "INSERT INTO runs (id, kind, program_name, program_file, program_hash, program_source, config, status, started_at, updated_at) VALUES (?, ?, 'p', 'p.yaml', 'h', '', '{}', 'done', 1, 1)",
    );
    insert.run("cmp00001", "compare");
    expect(() => insert.run("bad00001", "bogus")).toThrow(/CHECK constraint/);
    db.close();
  });

  it("keeps the cascades: deleting an upgraded run deletes its candidates, results, events and checkpoint", () => {
    const db = openDatabase(file);
    const { "optimize-interrupted": id } = ids(db);
    const owned = () => ["candidates", "run_results", "events", "checkpoints"].map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE run_id = ?`).get(id) as { n: number }).n);
    expect(owned().every((n) => n > 0)).toBe(true);
    const others = (db.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id != ?").get(id) as { n: number }).n;
    db.prepare("DELETE FROM runs WHERE id = ?").run(id);
    expect(owned()).toEqual([0, 0, 0, 0]);
    expect((db.prepare("SELECT COUNT(*) AS n FROM run_results").get() as { n: number }).n).toBe(others);
    // And a reference to no run is still refused.
    expect(() => db.prepare("INSERT INTO events (run_id, seq, at, type, data) VALUES ('nope0000', 0, 0, 'x', '{}')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it("upgrades a file whose rows already reference deleted runs (left by the sqlite3 shell) without refusing it", () => {
    const raw = new Database(file);
    const { "eval-v6": id } = ids(raw);
    raw.pragma("foreign_keys = OFF");
    raw.prepare("DELETE FROM runs WHERE id = ?").run(id);
    const orphans = (raw.pragma("foreign_key_check") as unknown[]).length;
    raw.close();
    expect(orphans).toBeGreaterThan(0);
    const db = openDatabase(file);
    expect(db.pragma("user_version", { simple: true })).toBe(7);
    expect((db.pragma("foreign_key_check") as unknown[]).length).toBe(orphans);
    db.close();
  });

  it("rolls back, at version 6 with foreign keys on again, when a rebuild would break references", () => {
    const breaking = { version: 7, description: "test: a rebuild that loses runs", rebuildsTables: true as const, sql: "DELETE FROM runs" };
    expect(() => openDatabase(file, { migrations: [...MIGRATIONS.slice(0, 6), breaking] })).toThrow(/would break references/);
    const db = new Database(file, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(6);
    expect(db.prepare("SELECT COUNT(*) AS n FROM runs").get()).toEqual({ n: 3 });
    db.close();
  });

  it("shows, exports and resumes the runs it kept", async () => {
    const db = openDatabase(file);
    const run = ids(db);
    db.close();
    for (const name of ["eval-v6", "optimize-done", "optimize-interrupted"]) {
      const shown = await runInProcess((ctx) => showCommand(run[name]!, { db: file }, ctx));
      expect(shown.code, `${name}: ${shown.stderr}`).toBe(0);
      expect(shown.stdout).toContain(`run ${run[name]}`);
    }
    const out = path.join(dir, "best.yaml");
    const exported = await runInProcess((ctx) => exportCommand(run["optimize-done"]!, { db: file, output: out }, ctx));
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/demos:/);
    const resumed = await runInProcess((ctx) => resumeCommand(run["optimize-interrupted"]!, { db: file, json: true }, ctx), { json: true });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).runId).toBe(run["optimize-interrupted"]);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT status FROM runs WHERE id = ?").get(run["optimize-interrupted"])).toEqual({ status: "done" });
    after.close();
  });
});
