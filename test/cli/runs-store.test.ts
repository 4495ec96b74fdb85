import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, watch, type RunningCli } from "../support/cli.js";
import { waitUntil } from "../support/wait.js";

// What the commands print and record without needing a process of their own: runs-show.test.ts.
const TRIAGE = "programs/support-triage.yaml";
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-runs-"));
});
const dbFile = (name: string) => path.join(dir, `${name}.db`);
const dspx = (args: string[], db: string, env: Record<string, string | undefined> = {}) => runCli(args, { env: { DSPX_DB: db, ...env } });

/** Waits until the database holds at least `n` committed run results; returns how many it saw. */
async function committedResults(db: string, n: number, cli: RunningCli): Promise<number> {
  let linked = 0;
  const enough = (): boolean => {
    try {
      const peek = new Database(db, { readonly: true, fileMustExist: true });
      linked = (peek.prepare("SELECT COUNT(*) AS n FROM run_results").get() as { n: number }).n;
      peek.close();
    } catch {
      // not created yet
    }
    return linked >= n;
  };
  await waitUntil(enough, `${n} committed results`, watch(cli), { interval: 100 });
  return linked;
}

describe("recording eval runs", () => {
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

  it("keeps every finished evaluation when the process is killed with SIGKILL, and the file stays sound", async () => {
    const db = dbFile("kill");
    const cli = startCli(["eval", TRIAGE, "--split", "train", "--lm", "sim?latency=25ms", "--concurrency", "4", "--json"], { env: { DSPX_DB: db } });
    // Wait until the run exists and some results are committed, then kill without warning.
    const linked = await committedResults(db, 20, cli);
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
    await committedResults(db, 12, cli);
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
});
