// Housekeeping on a large database: `dspx runs rm` of an eval run with N results (half of its
// evaluations shared with a second run through the memo), then `dspx gc` and `--vacuum` once that
// run is gone too. Beside it, the same removal with SQLite's foreign keys checked (the cascade alone,
// which is what deleting the run row would do): each evaluation deleted then scans every result link,
// since nothing indexes run_results.eval_id — the reason removeRuns turns the checks off for its
// transaction and deletes the children itself.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../dist/store/db.js";
import { collectGarbage } from "../dist/store/gc.js";
import { removeRuns } from "../dist/store/remove-runs.js";
import { vacuum } from "../dist/store/vacuum.js";
import { fmt, now, printTable } from "./lib.js";

const TRACE = JSON.stringify([{ step: "route", messages: "x".repeat(400), completion: "team: billing" }]);

/** A database with run `big` (n results) and run `half` (sharing big's first n/2 evaluations). */
function build(file, n) {
  const db = openDatabase(file);
  const run = db.prepare(
    "INSERT INTO runs (id, kind, program_name, program_file, program_hash, program_source, config, status, started_at, updated_at) VALUES (?, 'eval', 'p', '/p.yaml', 'h', '', '{}', 'done', 1, 1)",
  );
  const evaluation = db.prepare(
    "INSERT INTO evaluations (id, key, candidate, example_id, score, trace, usage, calls, cached_calls, latency_ms, created_at) VALUES (?, ?, 'c', ?, 1, ?, '{}', 1, 0, 1, 1)",
  );
  const link = db.prepare("INSERT INTO run_results (run_id, candidate, dataset, example_id, idx, eval_id, memoized, at) VALUES (?, 'c', 'dev', ?, ?, ?, 0, 1)");
  db.transaction(() => {
    run.run("big");
    run.run("half");
    for (let i = 0; i < n; i++) {
      evaluation.run(`e${i}`, `k${i}`, `x${i}`, TRACE);
      link.run("big", `x${i}`, i, `e${i}`);
      if (i < n / 2) link.run("half", `x${i}`, i, `e${i}`);
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  return db;
}

/** The removal as the foreign keys alone would do it: delete the run (cascading to its links), then the evaluations nothing links to. */
function removeWithForeignKeys(db) {
  db.pragma("foreign_keys = ON");
  db.transaction(() => {
    db.prepare("DELETE FROM runs WHERE id = 'big'").run();
    db.prepare("DELETE FROM evaluations WHERE id NOT IN (SELECT eval_id FROM run_results)").run();
  }).immediate();
}

const mb = (bytes) => fmt(bytes / 1e6, 1);

export async function run() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-bench-housekeeping-"));
  const rows = [];
  try {
    for (const n of [5_000, 10_000, 100_000]) {
      const file = path.join(dir, `h${n}.db`);
      let db = build(file, n);
      let t = now();
      const removal = removeRuns(db, ["big"]);
      const rmMs = now() - t;
      db.prepare("UPDATE runs SET status = 'done'").run();
      t = now();
      removeRuns(db, ["half"]);
      collectGarbage(db);
      const gcMs = now() - t;
      t = now();
      const compaction = vacuum(db, file);
      const vacuumMs = now() - t;
      db.close();
      rows.push([`${n.toLocaleString("en")} (${removal.removed.evaluations.toLocaleString("en")} evaluations go)`, fmt(rmMs, 0), fmt(gcMs, 0), `${fmt(vacuumMs, 0)} (${mb(compaction.beforeBytes)} → ${mb(compaction.afterBytes)} MB)`, "–"]);
      if (n <= 10_000) {
        await rm(file, { force: true });
        db = build(file, n);
        t = now();
        removeWithForeignKeys(db);
        rows[rows.length - 1][4] = fmt(now() - t, 0);
        db.close();
      }
    }
    printTable(
      "Removing a run with N results, half of them shared with another run (ms)",
      ["results", "runs rm", "rm the other + gc", "vacuum (file before → after)", "rm with foreign keys checked"],
      rows,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
