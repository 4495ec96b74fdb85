import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultResponder, startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { waitUntil } from "../support/wait.js";

/**
 * Crash safety, end to end: the model is the mock provider, so every LM request is observable.
 * A run killed with SIGKILL at several points and resumed must end exactly where an uninterrupted
 * run with the same seed ends, and must not send again any request that had completed.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const CONCURRENCY = 4;
let mock: MockProvider;
let dir: string;

beforeAll(async () => {
  // Some latency, as real providers have: requests are in flight when the process is killed.
  mock = await startMockProvider({ latencyMs: { min: 5, max: 25 } });
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-crash-"));
});
afterAll(() => mock.close());

const args = (extra: string[] = []) => [
  "optimize", PROGRAM, "--optimizer", "gepa", "--seed", "7", "--budget-calls", "700", "--concurrency", String(CONCURRENCY),
  "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--json", ...extra,
];
const env = (db: string) => ({ DSPX_DB: db, OPENAI_API_KEY: "sk-test" });

/** What the store says a run found: candidates (hash, origin, parents) and every (candidate, dataset, example, score). */
function outcome(db: string, runId: string) {
  const sql = new Database(db, { readonly: true });
  const candidates = sql.prepare("SELECT hash, origin, parents FROM candidates WHERE run_id = ? ORDER BY hash").all(runId);
  const scores = sql
    .prepare("SELECT r.candidate, r.dataset, r.example_id, e.score FROM run_results r JOIN evaluations e ON e.id = r.eval_id WHERE r.run_id = ? ORDER BY r.candidate, r.dataset, r.example_id")
    .all(runId);
  const run = sql.prepare("SELECT best_candidate, best_score, status FROM runs WHERE id = ?").get(runId);
  sql.close();
  return { candidates, scores, run };
}

function requestKeys(): string[] {
  return mock.requests.map((r) => JSON.stringify([r.model, r.messages, r.body.temperature]));
}

async function killAfter(db: string, requests: number): Promise<string> {
  const start = mock.requests.length;
  const cli = startCli(args(), { env: env(db) });
  await waitUntil(() => mock.requests.length - start >= requests, `${requests} requests`, watch(cli));
  cli.child.kill("SIGKILL");
  await cli.closed;
  const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())?.[1];
  if (!runId) throw new Error(`no run id in: ${cli.stderr()}`);
  return runId;
}

describe("optimize is deterministic and crash-safe", () => {
  it("gives identical candidates and scores for the same seed, killed and resumed or not", async () => {
    // Uninterrupted reference run.
    const refDb = path.join(dir, "reference.db");
    mock.reset();
    const ref = await runCli(args(), { env: env(refDb) });
    expect(ref.code, ref.stderr).toBe(0);
    const refReport = JSON.parse(ref.stdout);
    const reference = outcome(refDb, refReport.runId);
    expect(reference.candidates.length).toBeGreaterThan(2);

    // The same seed again, in another database: the same result.
    const againDb = path.join(dir, "again.db");
    const again = JSON.parse((await runCli(args(), { env: env(againDb) })).stdout);
    expect(outcome(againDb, again.runId).candidates).toEqual(reference.candidates);
    expect(outcome(againDb, again.runId).scores).toEqual(reference.scores);

    // Killed at several points (early, mid-run, late), each time resumed until it finishes.
    const crashDb = path.join(dir, "crash.db");
    mock.reset();
    let runId = await killAfter(crashDb, 25);
    for (const point of [120, 300]) {
      const before = requestKeys();
      const cli = startCli(["resume", runId, "--json"], { env: env(crashDb) });
      // (A resume that finishes before that point has nothing left to kill.)
      await waitUntil(() => mock.requests.length - before.length >= point, `${point} more requests`, watch(cli), { onExit: "return" });
      cli.child.kill("SIGKILL");
      await cli.closed;
      const sql = new Database(crashDb);
      expect(sql.pragma("integrity_check", { simple: true })).toBe("ok");
      sql.close();
    }
    const sentBeforeFinal = requestKeys();
    const final = await runCli(["resume", runId, "--json"], { env: env(crashDb) });
    expect(final.code, final.stderr).toBe(0);
    const report = JSON.parse(final.stdout);
    runId = report.runId;
    const resumed = outcome(crashDb, runId);
    expect(resumed.run).toMatchObject({ best_candidate: (reference.run as { best_candidate: string }).best_candidate, status: "done" });
    expect(resumed.candidates).toEqual(reference.candidates);
    expect(resumed.scores).toEqual(reference.scores);
    // Nothing that had completed is sent again. A call completes when its answer is committed, within
    // a few milliseconds of arriving (the writer thread commits each batch); what a kill catches
    // before that — the calls in flight and at most a couple answered in that window — is sent again.
    const all = requestKeys();
    const seen = new Set<string>();
    let repeats = 0;
    for (const k of all) {
      if (seen.has(k)) repeats++;
      seen.add(k);
    }
    expect(repeats).toBeLessThanOrEqual(3 * (CONCURRENCY + 2));
    expect(all.length - sentBeforeFinal.length).toBeGreaterThanOrEqual(0);

    // Tokens and cost are the uninterrupted run's: what each killed process paid before it died is
    // kept with the run (the requests sent again after a kill are paid again, but a call is counted
    // once). What the last process paid itself is reported apart.
    expect(report.tokens).toEqual(refReport.tokens);
    expect(report.costUsd).toBeCloseTo(refReport.costUsd, 10);
    expect(report.thisProcess.costUsd).toBeGreaterThan(0);
    expect(report.thisProcess.costUsd).toBeLessThan(report.costUsd);
    const listed = JSON.parse((await runCli(["runs", "--json"], { env: env(crashDb) })).stdout).runs.find((r: { id: string }) => r.id === runId);
    expect(listed.costUsd).toBeCloseTo(refReport.costUsd, 10);

    // A finished run says so.
    const done = await runCli(["resume", runId], { env: env(crashDb) });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("already finished");
  }, 240_000); // two full runs, three killed ones and a resume, on a machine running other test files

  it("stops on Ctrl-C with exit 130, prints the resume command, and resumes to the end", async () => {
    const db = path.join(dir, "sigint.db");
    const start = mock.requests.length;
    const cli = startCli(args(), { env: env(db) });
    // Interrupt mid-run: once the run is under way (its id printed, its Ctrl-C handler installed)
    // and has sent requests of its own.
    const started = () => /run ([2-9a-z]{8})/.test(cli.stderr());
    await waitUntil(() => started() && mock.requests.length - start >= 60, "the run id and 60 requests", watch(cli));
    cli.child.kill("SIGINT");
    expect(await cli.closed).toBe(130);
    const stderr = cli.stderr();
    const runId = /run ([2-9a-z]{8})/.exec(stderr)![1]!;
    expect(stderr).toContain(`dspx resume ${runId}`);
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT status FROM runs WHERE id = ?").get(runId)).toEqual({ status: "interrupted" });
    sql.close();
    // The rest of the run, on a machine running other test files: more than runCli's default minute.
    const resumed = await runCli(["resume", runId, "--json"], { env: env(db), timeoutMs: 100_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).runId).toBe(runId);
  }, 180_000);
});

describe("optimize after a fatal provider error", () => {
  it("stops with exit 3 naming the cause, and the run resumes to the end once the cause is fixed", async () => {
    const db = path.join(dir, "fatal.db");
    let served = 0;
    // The key is revoked part-way through the run.
    mock.setResponder((req) => (++served > 120 ? { kind: "error", status: 401, message: "Incorrect API key provided" } : defaultResponder(req)));
    try {
      const failed = await runCli(args(), { env: env(db) });
      expect(failed.code, failed.stderr).toBe(3);
      expect(failed.stderr).toMatch(/401|API key/);
      const runId = /run ([2-9a-z]{8})/.exec(failed.stderr)![1]!;
      expect(failed.stderr).toContain(`dspx resume ${runId}`);
      const sql = new Database(db, { readonly: true });
      expect((sql.prepare("SELECT status FROM runs WHERE id = ?").get(runId) as { status: string }).status).not.toBe("done");
      const kept = (sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ?").get(runId) as { n: number }).n;
      sql.close();
      expect(kept).toBeGreaterThan(0);

      mock.setResponder(defaultResponder);
      const resumed = await runCli(["resume", runId, "--json"], { env: env(db) });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout).runId).toBe(runId);
      const after = new Database(db, { readonly: true });
      expect(after.prepare("SELECT status FROM runs WHERE id = ?").get(runId)).toEqual({ status: "done" });
      after.close();
    } finally {
      mock.setResponder(defaultResponder);
    }
  }, 120_000);
});

describe("optimize budgets", () => {
  it("refuses a budget too small for one step, naming the minimum", async () => {
    const r = await runCli(["optimize", PROGRAM, "--budget-calls", "50"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--budget-calls: 50 LM calls cannot buy a single beam step here: .* give at least --budget-calls \d+/);
  });

  it("never exceeds the calls budget by more than what is in flight", async () => {
    const r = await runCli(["optimize", PROGRAM, "--optimizer", "gepa", "--budget-calls", "400", "--concurrency", String(CONCURRENCY), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.usage.calls).toBeLessThanOrEqual(400 + CONCURRENCY);
    expect(report.best.dev.mean).toBeGreaterThanOrEqual(report.baseline.dev.mean);
  });
});
