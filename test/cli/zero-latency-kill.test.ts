import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { runOutcome } from "../support/run-outcome.js";
import { waitUntil } from "../support/wait.js";

/**
 * On zero-latency `sim` every answer is ready at once, so a run is one chain of promises that never
 * lets the event loop turn — and the store's writes go out only when it does. A run killed then
 * had committed nothing: `resume` said it did not exist. Now work lets the loop turn every few
 * tens of milliseconds, so what a kill loses is the last moment's work, and resume finishes it.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const args = ["optimize", PROGRAM, "--optimizer", "gepa", "--lm", "sim", "--seed", "5", "--budget-calls", "4000", "--json"];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-zero-latency-"));
});

describe("kill -9 into a zero-latency sim run once it has checkpointed", () => {
  it("finds the run committed (evaluations and a checkpoint), and resume ends it as the uninterrupted run", async () => {
    const db = path.join(dir, "killed.db");
    const reference = runCli(args, { env: { DSPX_DB: path.join(dir, "reference.db") }, timeoutMs: 170_000 });
    const cli = startCli(args, { env: { DSPX_DB: db } });
    // Two seconds from the moment the run has begun (its id announced), whatever start-up took.
    await waitUntil(() => /run [2-9a-z]{8}/.test(cli.stderr()), "the run id", watch(cli));
    const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())?.[1];
    expect(runId, cli.stderr()).toBeDefined();
    // Killed as soon as another connection sees a checkpoint (not after a fixed time, which a loaded
    // machine may not reach): a run that committed nothing until it ended would end first.
    const checkpointed = () => {
      const sql = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return sql.prepare("SELECT 1 FROM checkpoints WHERE run_id = ?").get(runId) !== undefined;
      } catch {
        return false;
      } finally {
        sql.close();
      }
    };
    await waitUntil(checkpointed, "a committed checkpoint while the run goes on", watch(cli), { timeout: 150_000 });
    expect(cli.child.exitCode, "the run was still going").toBeNull();
    cli.child.kill("SIGKILL");
    await cli.closed;

    const sql = new Database(db, { readonly: true });
    const run = sql.prepare("SELECT status FROM runs WHERE id = ?").get(runId) as { status: string } | undefined;
    const evaluations = (sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ?").get(runId) as { n: number }).n;
    sql.close();
    expect(run, "the run was committed").toEqual({ status: "running" });
    expect(evaluations).toBeGreaterThan(0);

    const resumed = await runCli(["resume", runId!, "--json"], { env: { DSPX_DB: db }, timeoutMs: 170_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);
    expect(runOutcome(JSON.parse(resumed.stdout))).toEqual(runOutcome(JSON.parse(ref.stdout)));
    // Three 4,000-call runs' worth of work, side by side with the rest of the suite on two cores.
  }, 180_000);
});
