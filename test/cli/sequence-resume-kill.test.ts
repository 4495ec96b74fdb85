import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { runOutcome } from "../support/run-outcome.js";
import { waitUntil } from "../support/wait.js";

/**
 * kill -9 in the second stage of `--optimizer bootstrap,gepa`, then `dspx resume`: the run ends as
 * the same run uninterrupted (best, scores, stages, candidates, events), and no example finished
 * before the kill is run again. sim (whose calls are not cached) with some latency, so the second
 * stage is under way when the store shows it; the kill waits on the store, not on a clock.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const ARGS = ["optimize", PROGRAM, "--optimizer", "bootstrap,gepa", "--lm", "sim?latency=5ms", "--seed", "3", "--concurrency", "4", "--budget-calls", "1000", "--json"];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-sequence-kill-"));
});

interface Recorded {
  status: string;
  /** GEPA events logged since the stage event (0: still in the first stage). */
  inSecond: number;
  /** LM calls of the examples the model ran (each a row of its own: a result reused from the store is a link to one). */
  exampleCalls: number;
  /** Proposal (reflection) calls as the last checkpoint counts them: made in steps no resume runs again. */
  checkpointedProposals: number;
  candidates: string[];
  story: string[];
}

function recorded(db: string, runId?: string): Recorded | undefined {
  if (!existsSync(db)) return undefined;
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const run = (runId ? sql.prepare("SELECT id, status FROM runs WHERE id = ?").get(runId) : sql.prepare("SELECT id, status FROM runs").get()) as { id: string; status: string } | undefined;
    if (!run) return undefined;
    const events = sql.prepare("SELECT type, data FROM events WHERE run_id = ? AND type != 'resumed' ORDER BY seq").all(run.id) as { type: string; data: string }[];
    const stageAt = events.findIndex((e) => e.type === "stage");
    // (Each database holds this one run.)
    const exampleCalls = (sql.prepare("SELECT COALESCE(SUM(calls), 0) AS n FROM evaluations").get() as { n: number }).n;
    const checkpoint = sql.prepare("SELECT state FROM checkpoints WHERE run_id = ?").get(run.id) as { state: string } | undefined;
    const checkpointedProposals = checkpoint ? Number((JSON.parse(checkpoint.state) as { budget?: { proposalCalls?: number } }).budget?.proposalCalls ?? 0) : 0;
    const candidates = (sql.prepare("SELECT seq, hash, origin FROM candidates WHERE run_id = ? ORDER BY seq").all(run.id) as { seq: number; hash: string; origin: string }[]).map((c) => `${c.seq} ${c.hash} ${c.origin}`);
    const story = events.map((e) => `${e.type}: ${String((JSON.parse(e.data) as { summary?: unknown }).summary ?? "")}`);
    return { status: run.status, inSecond: stageAt < 0 ? 0 : events.length - stageAt - 1, exampleCalls, checkpointedProposals, candidates, story };
  } catch {
    return undefined; // the schema is still being created
  } finally {
    sql.close();
  }
}

describe("a sequence killed in its second stage", () => {
  it("resumes to the uninterrupted run's result, running no finished example again", async () => {
    const refDb = path.join(dir, "reference.db");
    const db = path.join(dir, "killed.db");
    const reference = runCli(ARGS, { env: { DSPX_DB: refDb } });
    const cli = startCli(ARGS, { env: { DSPX_DB: db } });
    await waitUntil(() => (recorded(db)?.inSecond ?? 0) >= 3, "GEPA events after the stage event", watch(cli));
    cli.child.kill("SIGKILL");
    await cli.closed;
    const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())?.[1];
    expect(runId, cli.stderr()).toBeDefined();
    const killed = recorded(db, runId)!;
    expect(killed.status).not.toBe("done");
    expect(killed.inSecond).toBeGreaterThanOrEqual(3);

    const resumed = await runCli(["resume", runId!, "--json"], { env: { DSPX_DB: db } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);
    const refReport = JSON.parse(ref.stdout);
    const report = JSON.parse(resumed.stdout);
    expect(refReport.stages.map((s: { optimizer: string }) => s.optimizer)).toEqual(["bootstrap", "gepa"]);
    expect(runOutcome(report)).toEqual(runOutcome(refReport));
    expect(report.stages).toEqual(refReport.stages);
    const after = recorded(db, runId)!;
    const straight = recorded(refDb, refReport.runId)!;
    expect(after.status).toBe("done");
    expect(after.candidates).toEqual(straight.candidates);
    expect(after.story).toEqual(straight.story);
    // Every example finished before the kill came from the store: the examples the model ran, over
    // both processes, are those of the uninterrupted run (one run twice would be a row more) …
    expect(report.thisProcess.storedResults).toBeGreaterThan(0);
    expect(after.exampleCalls).toBe(straight.exampleCalls);
    // … and the model answered, over both, what it answered for the uninterrupted run: the killed
    // process's finished examples and checkpointed reflections, then the resumed process's calls;
    // at most the reflection of the GEPA step under way at the kill is asked again (sim is not cached).
    const answered = killed.exampleCalls + killed.checkpointedProposals + report.thisProcess.calls;
    expect(answered).toBeGreaterThanOrEqual(refReport.thisProcess.calls);
    expect(answered).toBeLessThanOrEqual(refReport.thisProcess.calls + 1);
  }, 120_000);
});
