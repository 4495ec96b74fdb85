import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, it } from "vitest";
import { OPTIMIZERS, type OptimizerName } from "../../src/optimize/types.js";
import { ROOT, runCli, startCli, watch } from "../support/cli.js";
import { runOutcome } from "../support/run-outcome.js";
import { waitUntil } from "../support/wait.js";

/**
 * kill -9 inside the final test evaluation, then `dspx resume`: the run ends exactly as the same run
 * uninterrupted — for every optimizer. The model is `sim` with some latency, so the test evaluation
 * takes long enough (the baseline and the best on 70 examples, 4 at a time) to be killed inside it;
 * the kill waits on the store (test results committed), not on a clock. The optimizers run side by
 * side: the processes wait on sim's latency, not on the CPU.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const TEST_EXAMPLES = 70;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-resume-kill-"));
});

const args = (optimizer: OptimizerName) => [
  "optimize", PROGRAM, "--optimizer", optimizer, "--lm", "sim?latency=10ms", "--seed", "7", "--concurrency", "4",
  // The least budget that buys one beam step here is larger than the others'.
  "--budget-calls", optimizer === "beam" ? "600" : "500", "--json",
];

interface Recorded {
  status: string;
  testRows: number;
  candidates: string[];
  story: string[];
}

/** What the store holds of a run (undefined while the database or the run does not exist yet). */
function recorded(db: string, runId?: string): Recorded | undefined {
  if (!existsSync(db)) return undefined;
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const run = (runId ? sql.prepare("SELECT id, status FROM runs WHERE id = ?").get(runId) : sql.prepare("SELECT id, status FROM runs").get()) as { id: string; status: string } | undefined;
    if (!run) return undefined;
    const testRows = (sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ? AND dataset = 'test'").get(run.id) as { n: number }).n;
    const candidates = (sql.prepare("SELECT seq, hash, origin FROM candidates WHERE run_id = ? ORDER BY seq").all(run.id) as { seq: number; hash: string; origin: string }[]).map((c) => `${c.seq} ${c.hash} ${c.origin}`);
    const story = (sql.prepare("SELECT type, data FROM events WHERE run_id = ? AND type != 'resumed' ORDER BY seq").all(run.id) as { type: string; data: string }[]).map(
      (e) => `${e.type}: ${String((JSON.parse(e.data) as { summary?: unknown }).summary ?? "")}`,
    );
    return { status: run.status, testRows, candidates, story };
  } catch {
    return undefined; // the schema is still being created
  } finally {
    sql.close();
  }
}

describe.concurrent.each(OPTIMIZERS)("%s: kill -9 inside the final test evaluation, then resume", (optimizer) => {
  it("ends as the uninterrupted run: same best candidate, scores, candidates, steps and calls, each event once", async ({ expect }) => {
    const refDb = path.join(dir, `${optimizer}-reference.db`);
    const db = path.join(dir, `${optimizer}-killed.db`);
    const reference = runCli(args(optimizer), { env: { DSPX_DB: refDb } });
    const cli = startCli(args(optimizer), { env: { DSPX_DB: db } });
    await waitUntil(() => Boolean(recorded(db)?.testRows), "test results in the database", watch(cli));
    cli.child.kill("SIGKILL");
    await cli.closed;
    const runId = /run ([2-9a-z]{8})/.exec(cli.stderr())?.[1];
    expect(runId, cli.stderr()).toBeDefined();
    // The kill landed inside the test evaluation: some test results were in, and the run was not done.
    const killed = recorded(db, runId)!;
    expect(killed.testRows).toBeGreaterThan(0);
    expect(killed.testRows).toBeLessThan(2 * TEST_EXAMPLES);
    expect(killed.status).not.toBe("done");

    const resumed = await runCli(["resume", runId!, "--json"], { env: { DSPX_DB: db } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);
    const refReport = JSON.parse(ref.stdout);
    expect(runOutcome(JSON.parse(resumed.stdout))).toEqual(runOutcome(refReport));
    const after = recorded(db, runId)!;
    const straight = recorded(refDb, refReport.runId)!;
    expect(after.status).toBe("done");
    expect(after.candidates).toEqual(straight.candidates);
    expect(after.story).toEqual(straight.story);

    // A finished run resumed with --json prints the report it finished with (and nothing else on
    // stdout); one optimizer is enough to show it.
    if (optimizer !== "labeled") return;
    const again = await runCli(["resume", runId!, "--json"], { env: { DSPX_DB: db } });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(resumed.stdout));
    expect(again.stderr).toContain("already finished");
  }, 120_000);
});
