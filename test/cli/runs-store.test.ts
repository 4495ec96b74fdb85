import { closeSync, openSync, writeSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli } from "../support/cli.js";

const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-runs-"));
});
const dbFile = (name: string) => path.join(dir, `${name}.db`);
const dspx = (args: string[], db: string, env: Record<string, string | undefined> = {}) => runCli(args, { env: { DSPX_DB: db, ...env } });

/** Waits (up to 20 s) until the database holds at least `n` committed run results; returns how many it saw. */
async function committedResults(db: string, n: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  let linked = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const peek = new Database(db, { readonly: true, fileMustExist: true });
      linked = (peek.prepare("SELECT COUNT(*) AS n FROM run_results").get() as { n: number }).n;
      peek.close();
    } catch {
      continue;
    }
    if (linked >= n) break;
  }
  return linked;
}

describe("recording eval runs", () => {
  it("records the run, prints its id, and answers a re-run from the memo", async () => {
    const db = dbFile("memo");
    const first = await dspx(["eval", TRIAGE, "--limit", "15", "--json"], db);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a.runId).toMatch(/^[2-9a-z]{8}$/);
    expect(a.summary.memoized).toBe(0);
    const second = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "15", "--json"], db)).stdout);
    expect(second.runId).not.toBe(a.runId);
    expect(second.summary.memoized).toBe(15);
    expect(second.summary.calls).toBe(0);
    expect(second.results.map((r: { score: number }) => r.score)).toEqual(a.results.map((r: { score: number }) => r.score));
    const human = await dspx(["eval", TRIAGE, "--limit", "15"], db);
    expect(human.stdout).toMatch(/^run {4}[2-9a-z]{8}$/m);
    expect(human.stdout).toContain("15 results reused");
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT COUNT(*) AS n FROM evaluations").get()).toEqual({ n: 15 });
    expect(sql.prepare("SELECT COUNT(*) AS n FROM run_results").get()).toEqual({ n: 45 });
    expect(sql.prepare("SELECT status FROM runs WHERE id = ?").get(a.runId)).toEqual({ status: "done" });
    sql.close();
  });

  it("lets several dspx processes record into one database at the same time", async () => {
    const db = dbFile("side-by-side");
    const slow = ["--lm", "sim?latency=10ms", "--concurrency", "4"];
    const [a, b, c] = await Promise.all([
      dspx(["eval", TRIAGE, "--split", "train", ...slow, "--json"], db),
      dspx(["eval", TRIAGE, "--split", "train", ...slow, "--no-memo", "--json"], db),
      dspx(["optimize", TRIAGE, "--optimizer", "labeled", ...slow, "--json"], db),
    ]);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    const ids = [a, b, c].map((r) => JSON.parse(r.stdout).runId as string);
    const sql = new Database(db, { readonly: true });
    for (const id of ids) expect(sql.prepare("SELECT status FROM runs WHERE id = ?").get(id)).toEqual({ status: "done" });
    // Each eval linked all 200 train examples to its run, whichever of them evaluated an example first.
    for (const id of ids.slice(0, 2)) expect(sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ?").get(id)).toEqual({ n: 200 });
    expect(sql.pragma("integrity_check", { simple: true })).toBe("ok");
    sql.close();
  });

  it("--no-record reuses earlier results but records nothing", async () => {
    const db = dbFile("norecord");
    await dspx(["eval", TRIAGE, "--limit", "5"], db);
    const r = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "5", "--no-record", "--json"], db)).stdout);
    expect(r.runId).toBeUndefined();
    expect(r.summary.memoized).toBe(5);
    const runs = JSON.parse((await dspx(["runs", "--json"], db)).stdout).runs;
    expect(runs).toHaveLength(1);
  });

  it("keeps every finished evaluation when the process is killed with SIGKILL, and the file stays sound", async () => {
    const db = dbFile("kill");
    const cli = startCli(["eval", TRIAGE, "--split", "train", "--lm", "sim?latency=25ms", "--concurrency", "4", "--json"], { env: { DSPX_DB: db } });
    // Wait until the run exists and some results are committed, then kill without warning.
    const linked = await committedResults(db, 20);
    cli.child.kill("SIGKILL");
    await cli.closed;
    const stderr = cli.stderr();
    expect(linked).toBeGreaterThanOrEqual(20);
    const sql = new Database(db);
    expect(sql.pragma("integrity_check", { simple: true })).toBe("ok");
    const results = (sql.prepare("SELECT COUNT(*) AS n FROM run_results").get() as { n: number }).n;
    expect(results).toBeGreaterThanOrEqual(linked);
    expect(results).toBeLessThan(200);
    // Every linked evaluation is there in full.
    expect(sql.prepare("SELECT COUNT(*) AS n FROM run_results r LEFT JOIN evaluations e ON e.id = r.eval_id WHERE e.id IS NULL").get()).toEqual({ n: 0 });
    const run = sql.prepare("SELECT id, status FROM runs").get() as { id: string; status: string };
    sql.close();
    expect(run.status).toBe("running");
    // The dead process's run reads as interrupted, and a re-run reuses what finished.
    const shown = JSON.parse((await dspx(["show", run.id, "--json"], db)).stdout);
    expect(shown.run.status).toBe("interrupted");
    const again = JSON.parse((await dspx(["eval", TRIAGE, "--split", "train", "--json"], db)).stdout);
    expect(again.summary.memoized).toBeGreaterThanOrEqual(results);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("on Ctrl-C (the calls in flight end) marks the run interrupted, keeps what finished and exits 130", async () => {
    const db = dbFile("sigint");
    const cli = startCli(["eval", TRIAGE, "--split", "train", "--lm", "sim?latency=50ms", "--concurrency", "4", "--json"], { env: { DSPX_DB: db } });
    await committedResults(db, 12);
    cli.child.kill("SIGINT");
    const code = await cli.closed;
    const [stdout, stderr] = [cli.stdout(), cli.stderr()];
    expect(code, stderr).toBe(130);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/interrupted after \d+ of 200 examples; they are recorded in run [2-9a-z]{8}/);
    expect(stderr).not.toContain("aborted");
    const runs = JSON.parse((await dspx(["runs", "--json"], db)).stdout).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe("interrupted");
    const shown = JSON.parse((await dspx(["show", runs[0].id, "--json"], db)).stdout);
    expect(shown.run.error).toBeNull();
    expect(shown.results.length).toBeGreaterThanOrEqual(12);
  });
});

describe("runs and show", () => {
  it("lists runs newest first, as a table or JSON", async () => {
    const db = dbFile("list");
    const first = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "4", "--json", "--name", "baseline"], db)).stdout).runId;
    const second = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "6", "--json"], db)).stdout).runId;
    const json = JSON.parse((await dspx(["runs", "--json"], db)).stdout);
    expect(json.runs.map((r: { id: string }) => r.id)).toEqual([second, first]);
    expect(json.runs[1]).toMatchObject({ kind: "eval", name: "baseline", program: "support-triage", status: "done", calls: 4 });
    const table = await dspx(["runs"], db);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(second);
    // Piped: tab-separated, a header row first (on a terminal it is a table: tables-terminal.test.ts).
    expect(table.stdout).toMatch(/^run\tname\tkind\tprogram\t/);
  });

  it("shows a run: config, totals, candidate score with CI, score over time, weakest examples", async () => {
    const db = dbFile("show");
    const runId = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "12", "--json"], db)).stdout).runId;
    const r = await dspx(["show", runId.slice(0, 5)], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`run ${runId} · eval · support-triage · done`);
    expect(r.stdout).toMatch(/^data\s+split dev · datasets\/support-triage\/dev\.jsonl · 12 examples \(--limit 12\)$/m);
    expect(r.stdout).toMatch(/config\s+model sim/);
    expect(r.stdout).toMatch(/totals\s+12 examples · 0 errors/);
    expect(r.stdout).toMatch(/^0\t★ [0-9a-f]{10}\t0\.\d{3}\t\[0\.\d{3}, 0\.\d{3}\] n=12\tprogram\t–$/m);
    expect(r.stdout).toMatch(/score as results came in\s+\d\.\d{3} [▁▂▃▄▅▆▇█]+ \d\.\d{3}/);
    expect(r.stdout).toContain("lowest-scoring examples");
    const json = JSON.parse((await dspx(["show", runId, "--json"], db)).stdout);
    expect(json.run.id).toBe(runId);
    expect(json.candidates).toHaveLength(1);
    expect(json.candidates[0].scores.dev.n).toBe(12);
    expect(json.results).toHaveLength(12);
  });

  it("shows an optimize run's settings readably and counts its steps, candidates and rollouts", async () => {
    const db = dbFile("show-optimize");
    const runId = JSON.parse((await dspx(["optimize", TRIAGE, "--optimizer", "labeled", "--json"], db)).stdout).runId;
    const r = await dspx(["show", runId], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config\s+optimizer labeled · settings k=\d+ · seed 0 · /);
    // Data files as the user names them, with the start of their hash; no JSON, no absolute paths.
    expect(r.stdout).toMatch(/data train=datasets\/support-triage\/train\.jsonl \([0-9a-f]{8}\)/);
    expect(r.stdout).not.toContain(ROOT);
    expect(r.stdout).not.toContain("{\"");
    // The built-in budget is marked as such; empty settings are left out.
    expect(r.stdout).toMatch(/limits calls=2000 \(the default\)/);
    expect(r.stdout).not.toMatch(/defaultBudget|env=\{\}/);
    expect(r.stdout).toMatch(/totals\s+\d+ steps? · \d+ candidates? · [\d,]+ rollouts · [\d,]+ calls/);
  });

  it("rejects unknown, short and ambiguous references with exit 2", async () => {
    const db = dbFile("refs");
    await dspx(["eval", TRIAGE, "--limit", "2"], db);
    const unknown = await dspx(["show", "zzzzzz"], db);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run "zzzzzz" in this database');
    const short = await dspx(["show", "ab"], db);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least its first 4 characters");
    const badCandidate = await dspx(["compare", `${JSON.parse((await dspx(["runs", "--json"], db)).stdout).runs[0].id}:ffff`, TRIAGE], db);
    expect(badCandidate.code).toBe(2);
    expect(badCandidate.stderr).toContain('has no candidate "ffff"');
  });

  it("explains a database it cannot use: newer schema, corrupt file", async () => {
    const newer = dbFile("newer");
    const sql = new Database(newer);
    sql.pragma("user_version = 99");
    sql.close();
    const r = await dspx(["runs"], newer);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("written by a newer dspx");
    const corrupt = dbFile("corrupt");
    await writeFile(corrupt, "not a database at all ".repeat(100));
    const c = await dspx(["runs"], corrupt);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("not a dspx database or is corrupt");
    expect(c.stderr).not.toMatch(/\n\s+at /);
  });

  it("explains corruption found after the file opened (a damaged table page): the file named, exit 2", async () => {
    const db = dbFile("damaged");
    const runId = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "20", "--json"], db)).stdout).runId as string;
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
    const r = await dspx(["show", runId], db);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${path.relative(ROOT, db)}: cannot use the dspx database: the file is not a dspx database or is corrupt`);
    expect(r.stderr).not.toContain("--verbose");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("CI outputs", () => {
  it("fails a threshold with exit 1 and says by how much", async () => {
    const db = dbFile("threshold");
    const r = await dspx(["eval", TRIAGE, "--limit", "10", "--threshold", "0.9"], db);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/score 0\.\d{3} is below the threshold 0\.900 by 0\.\d{3}/);
    const ok = await dspx(["eval", TRIAGE, "--limit", "10", "--threshold", "0.1", "--json"], db);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ threshold: 0.1, passed: true });
  });

  it("says how far below a near-miss threshold is, with the digits that show it", async () => {
    const db = dbFile("near-miss");
    const mean = JSON.parse((await dspx(["eval", TRIAGE, "--limit", "7", "--json"], db)).stdout).summary.mean as number;
    const threshold = Number((mean + 0.0002).toFixed(4));
    const r = await dspx(["eval", TRIAGE, "--limit", "7", "--threshold", String(threshold)], db);
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
    const r = await dspx(["eval", TRIAGE, "--limit", "8", "--junit", junit, "--output", jsonl, "--threshold", "0.1"], db, {
      GITHUB_ACTIONS: "true",
      GITHUB_STEP_SUMMARY: summary,
    });
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
