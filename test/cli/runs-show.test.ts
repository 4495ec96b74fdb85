import { closeSync, openSync, writeSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { compareCommand } from "../../src/cli/commands/compare.js";
import { evalCommand, type EvalFlags } from "../../src/cli/commands/eval.js";
import { runsCommand } from "../../src/cli/commands/runs.js";
import { showCommand } from "../../src/cli/commands/show.js";
import { runInProcess, type CommandResult } from "../support/command.js";

/**
 * What eval, runs, show and compare print and record, each command run in this process (none of
 * this needs a process of its own; runs-store.test.ts keeps what does: several processes at once,
 * kill -9, Ctrl-C, and the exit codes of a spawned CLI).
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-runs-"));
});
const dbFile = (name: string) => path.join(dir, `${name}.db`);

const evaluate = (db: string, flags: Omit<EvalFlags, "db"> = {}, env?: Record<string, string>): Promise<CommandResult> =>
  runInProcess((ctx) => evalCommand(TRIAGE, { db, ...flags }, ctx), { json: flags.json ?? false, ...(env ? { env } : {}) });
const runs = (db: string, json = false) => runInProcess((ctx) => runsCommand({ db, json }, ctx), { json });
const show = (db: string, ref: string, json = false) => runInProcess((ctx) => showCommand(ref, { db, json }, ctx), { json });

describe("recording eval runs", () => {
  it("records the run, prints its id, and answers a re-run from the memo", async () => {
    const db = dbFile("memo");
    const first = await evaluate(db, { limit: 15, json: true });
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a.runId).toMatch(/^[2-9a-z]{8}$/);
    expect(a.summary.memoized).toBe(0);
    const second = JSON.parse((await evaluate(db, { limit: 15, json: true })).stdout);
    expect(second.runId).not.toBe(a.runId);
    expect(second.summary.memoized).toBe(15);
    expect(second.summary.calls).toBe(0);
    expect(second.results.map((r: { score: number }) => r.score)).toEqual(a.results.map((r: { score: number }) => r.score));
    const human = await evaluate(db, { limit: 15 });
    expect(human.stdout).toMatch(/^run {4}[2-9a-z]{8}$/m);
    expect(human.stdout).toContain("15 results reused");
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT COUNT(*) AS n FROM evaluations").get()).toEqual({ n: 15 });
    expect(sql.prepare("SELECT COUNT(*) AS n FROM run_results").get()).toEqual({ n: 45 });
    expect(sql.prepare("SELECT status FROM runs WHERE id = ?").get(a.runId)).toEqual({ status: "done" });
    sql.close();
  });

  it("--no-record reuses earlier results but records nothing", async () => {
    const db = dbFile("norecord");
    await evaluate(db, { limit: 5 });
    const r = JSON.parse((await evaluate(db, { limit: 5, record: false, json: true })).stdout);
    expect(r.runId).toBeUndefined();
    expect(r.summary.memoized).toBe(5);
    expect(JSON.parse((await runs(db, true)).stdout).runs).toHaveLength(1);
  });
});

describe("runs and show", () => {
  it("lists runs newest first, as a table or JSON", async () => {
    const db = dbFile("list");
    const first = JSON.parse((await evaluate(db, { limit: 4, json: true, name: "baseline" })).stdout).runId;
    const second = JSON.parse((await evaluate(db, { limit: 6, json: true })).stdout).runId;
    const json = JSON.parse((await runs(db, true)).stdout);
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([second, first]);
    expect(json.runs[1]).toMatchObject({ kind: "eval", name: "baseline", program: "support-triage", status: "done", calls: 4 });
    const table = await runs(db);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(second);
    // Piped: tab-separated, a header row first (on a terminal it is a table: tables-terminal.test.ts).
    expect(table.stdout).toMatch(/^run\tname\tkind\tprogram\t/);
  });

  it("shows a run: config, totals, candidate score with CI, score over time, weakest examples", async () => {
    const db = dbFile("show");
    const runId = JSON.parse((await evaluate(db, { limit: 12, json: true })).stdout).runId;
    const r = await show(db, runId.slice(0, 5));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${runId} · eval · support-triage · done`);
    expect(r.stdout).toMatch(/^data\s+split dev · datasets\/support-triage\/dev\.jsonl · 12 examples \(--limit 12\)$/m);
    expect(r.stdout).toMatch(/config\s+model sim/);
    expect(r.stdout).toMatch(/totals\s+12 examples · 0 errors/);
    expect(r.stdout).toMatch(/^0\t★ [0-9a-f]{10}\t0\.\d{3}\t\[0\.\d{3}, 0\.\d{3}\] n=12\tprogram\t–$/m);
    expect(r.stdout).toMatch(/score as results came in\s+\d\.\d{3} [▁▂▃▄▅▆▇█]+ \d\.\d{3}/);
    expect(r.stdout).toContain("lowest-scoring examples");
    const json = JSON.parse((await show(db, runId, true)).stdout);
    expect(json.run.id).toBe(runId);
    expect(json.candidates).toHaveLength(1);
    expect(json.candidates[0].scores.dev.n).toBe(12);
    expect(json.results).toHaveLength(12);
  });

  it("rejects unknown, short and ambiguous references with exit 2", async () => {
    const db = dbFile("refs");
    await evaluate(db, { limit: 2 });
    const unknown = await show(db, "zzzzzz");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run "zzzzzz" in this database');
    const short = await show(db, "ab");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least its first 4 characters");
    const id = JSON.parse((await runs(db, true)).stdout).runs[0].id as string;
    const badCandidate = await runInProcess((ctx) => compareCommand(`${id}:ffff`, TRIAGE, { db }, ctx));
    expect(badCandidate.code).toBe(2);
    expect(badCandidate.stderr).toContain('has no candidate "ffff"');
  });

  it("explains corruption found after the file opened (a damaged table page): the file named, exit 2", async () => {
    const db = dbFile("damaged");
    const runId = JSON.parse((await evaluate(db, { limit: 20, json: true })).stdout).runId as string;
    // Overwrite the root page of run_results: the header and schema stay sound, so the file opens.
    const sql = new Database(db);
    sql.pragma("wal_checkpoint(TRUNCATE)");
    sql.pragma("journal_mode = DELETE");
    const pageSize = sql.pragma("page_size", { simple: true }) as number;
    const { rootpage } = sql.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'run_results'").get() as { rootpage: number };
    sql.close();
    const fd = openSync(db, "r+");
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
    closeSync(fd);
    const r = await show(db, runId);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${path.relative(ROOT, db)}: cannot use the dspx database: the file is not a dspx database or is corrupt`);
    expect(r.stderr).not.toContain("--verbose");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("CI outputs", () => {
  it("says how far below a near-miss threshold is, with the digits that show it", async () => {
    const db = dbFile("near-miss");
    const mean = JSON.parse((await evaluate(db, { limit: 7, json: true })).stdout).summary.mean as number;
    const threshold = Number((mean + 0.0002).toFixed(4));
    const r = await evaluate(db, { limit: 7, threshold });
    expect(r.code).toBe(1);
    const line = r.stderr.split("\n").find((l) => l.includes("is below the threshold"))!;
    const [, score, bar, by] = /score (\S+) is below the threshold (\S+) by (\S+)/.exec(line)!;
    // The two numbers differ as printed, and the gap is not rounded away to 0.000.
    expect(score).not.toBe(bar);
    expect(Number(by)).toBeGreaterThan(0);
    expect(Number(by)).toBeCloseTo(threshold - mean, 4);
  });

  it("writes JUnit XML, streams JSONL and appends the GitHub step summary", async () => {
    const db = dbFile("ci");
    await mkdir(path.join(dir, "out"), { recursive: true });
    const junit = path.join(dir, "out", "junit.xml");
    const jsonl = path.join(dir, "out", "results.jsonl");
    const summary = path.join(dir, "summary.md");
    await writeFile(summary, "# earlier step\n");
    const r = await evaluate(db, { limit: 8, junit, output: jsonl, threshold: 0.1 }, { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(0);
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/<testsuite name="support-triage \(dev\)" tests="8"/);
    expect(xml.match(/<testcase /g)).toHaveLength(8);
    const lines = (await readFile(jsonl, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(8);
    expect(lines.map((l) => l.id).sort()).toEqual(lines.map((l) => l.id).sort());
    const md = await readFile(summary, "utf8");
    expect(md).toMatch(/^# earlier step\n/);
    expect(md).toContain("dspx eval: support-triage");
    expect(md).toContain("meets the threshold 0.100");
  });
});
