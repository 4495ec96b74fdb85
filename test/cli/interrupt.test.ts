import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCli, watch } from "../support/cli.js";
import { heldResponder, type HeldResponder } from "../support/held-responder.js";
import { startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { waitUntil } from "../support/wait.js";

const TRIAGE = "programs/support-triage.yaml";
let mock: MockProvider;
let held: HeldResponder;
let dir: string;
beforeAll(async () => {
  // Requests are held unanswered: once one has arrived, the command is waiting on a call in flight.
  held = heldResponder();
  mock = await startMockProvider({ respond: held.respond });
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-interrupt-"));
});
afterEach(() => held.release());
afterAll(() => mock.close());

/**
 * Starts the CLI (stderr a pipe, not a terminal), presses Ctrl-C (or sends `signal`) once a request
 * is held in flight, lets the held calls end once it says it is stopping, and collects how it ended.
 */
async function interruptWhileInFlight(args: string[], db: string, signal: NodeJS.Signals = "SIGINT"): Promise<{ code: number | null; stdout: string; stderr: string; inFlight: number }> {
  mock.reset();
  held.hold();
  const cli = startCli([...args, "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl], { env: { DSPX_DB: db } });
  await waitUntil(() => held.waiting() > 0, "a request held at the mock", watch(cli));
  cli.child.kill(signal);
  // (Once it says it is stopping, the held calls end; a command that ends at once says nothing.)
  await waitUntil(() => /stopping/.test(cli.stderr()), "the stopping line", watch(cli), { onExit: "return" });
  const inFlight = held.waiting();
  held.release();
  const code = await cli.closed;
  return { code, stdout: cli.stdout(), stderr: cli.stderr(), inFlight };
}

describe("Ctrl-C while calls are in flight", () => {
  it("compare: exit 130 with a line saying where it stopped, not 'This operation was aborted'", async () => {
    const db = path.join(dir, "compare.db");
    const r = await interruptWhileInFlight(["compare", TRIAGE, TRIAGE, "--limit", "4"], db);
    expect(r.code, r.stderr).toBe(130);
    // Only the compare run's id: nothing was compared.
    const runId = /^run\s+([2-9a-z]{8})\n$/.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeDefined();
    // The calls in flight ended and count.
    expect(r.stderr).toMatch(new RegExp(`interrupted while scoring A \\(${r.inFlight} of 4 examples done\\), so nothing was compared; the evaluations that finished are kept \\(in run ${runId}\\)`));
    // The run is marked interrupted, with what side A got through.
    const sql = new Database(db, { readonly: true });
    const row = sql.prepare("SELECT kind, status, json_extract(totals, '$.examples') AS examples FROM runs WHERE id = ?").get(runId);
    const linked = sql.prepare("SELECT COUNT(*) AS n FROM run_results WHERE run_id = ?").get(runId);
    sql.close();
    expect(row).toEqual({ kind: "compare", status: "interrupted", examples: r.inFlight });
    expect(linked).toEqual({ n: r.inFlight });
    expect(r.stderr).not.toContain("aborted");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("run: exit 130, the call in flight ended and its prediction shown", async () => {
    const r = await interruptWhileInFlight(["run", TRIAGE, "--input", '{"message": "my parcel is late"}'], path.join(dir, "run.db"));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^interrupted: the calls in flight ended, so the prediction is complete$/m);
    expect(r.stdout).toMatch(/^team: /m);
    expect(r.stderr).not.toContain("aborted");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("optimize, SIGTERM: stopped as by Ctrl-C — exit 130, the resume command printed, the run marked interrupted", async () => {
    const db = path.join(dir, "sigterm.db");
    const r = await interruptWhileInFlight(["optimize", TRIAGE, "--optimizer", "labeled"], db, "SIGTERM");
    expect(r.code, r.stderr).toBe(130);
    const runId = /^run\s+([2-9a-z]{8})$/m.exec(r.stdout)?.[1];
    expect(runId, r.stdout).toBeDefined();
    expect(r.stderr).toContain(`dspx resume ${runId}`);
    const sql = new Database(db, { readonly: true });
    expect(sql.prepare("SELECT status FROM runs WHERE id = ?").get(runId)).toEqual({ status: "interrupted" });
    sql.close();
  });
});
