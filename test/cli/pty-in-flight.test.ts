import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { heldResponder, requestKey, type HeldResponder } from "../support/held-responder.js";
import { startMockProvider, type MockProvider, type MockRequest } from "../support/mock-provider.js";
import { cursorShown, killLeftoverPtys, startInPty, waitFor, type PtyCli } from "../support/pty.js";
import { runOutcome } from "../support/run-outcome.js";

/**
 * Ctrl-C typed at a real terminal while LM calls are in flight. The calls go to the mock provider,
 * which can hold them unanswered: calls in flight that cannot end by themselves, so what a Ctrl-C
 * does to them is decided by counts, not by a clock. The first Ctrl-C must let them end (their
 * answers are recorded and count: nothing is asked again later); the second must leave at once,
 * with them still unanswered, and leave a store that resumes.
 */
const TRIAGE = path.join(ROOT, "programs/support-triage.yaml");
let dir: string;
let mock: MockProvider;
let held: HeldResponder;
/** The same provider, never held: where the uninterrupted reference runs go. */
let reference: MockProvider;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-pty-in-flight-"));
  held = heldResponder();
  mock = await startMockProvider({ respond: held.respond });
  reference = await startMockProvider();
});
afterEach(() => {
  held.release();
  killLeftoverPtys();
});
afterAll(async () => {
  await mock.close();
  await reference.close();
});

const lm = (m: MockProvider) => ["--lm", "openai:gpt-4.1-mini", "--base-url", m.openaiBaseUrl];
const env = (db: string) => ({ DSPX_DB: db, OPENAI_API_KEY: "sk-test" });

function query<T>(db: string, sql: string, ...params: unknown[]): T | undefined {
  if (!existsSync(db)) return undefined;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).get(...params) as T;
  } catch {
    return undefined; // the schema is still being created
  } finally {
    conn.close();
  }
}
const count = (db: string, table: string) => query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM ${table}`)?.n ?? 0;
/** The run's status as its row says it (not as readers infer it from a dead process). */
const recordedStatus = (db: string, runId: string) => query<{ status: string }>(db, "SELECT status FROM runs WHERE id = ?", runId)?.status;

function expectTerminalRestored(pty: PtyCli): void {
  const { before, after } = pty.modes();
  expect(after).toBe(before);
  expect(cursorShown(pty.screen())).toBe(true);
}

/**
 * Starts a command at the terminal with the provider answering its first `answered` calls and
 * holding the ones after; waits until `n` calls are held in flight.
 */
async function heldInFlight(args: string[], db: string, answered: number, n: number): Promise<PtyCli> {
  held.hold(answered);
  const pty = startInPty(args, { env: env(db) });
  await waitFor(() => held.waiting() >= n, `${n} calls held in flight`, pty);
  return pty;
}

async function firstCtrlC(pty: PtyCli): Promise<void> {
  pty.ctrlC();
  await waitFor(() => /stopping: finishing the calls in flight/.test(pty.screen()), "the stopping line", pty);
}

/** The requests among `sent` that repeat one of `earlier` (asked again: paid twice). */
function repeated(sent: readonly MockRequest[], earlier: readonly MockRequest[]): MockRequest[] {
  const keys = new Set(earlier.map(requestKey));
  return sent.filter((r) => keys.has(requestKey(r)));
}

describe.sequential("Ctrl-C at a terminal with LM calls in flight", () => {
  it("eval: the first Ctrl-C lets the calls in flight end; every call sent is a recorded example; running it again asks for none of them", async () => {
    mock.reset();
    held.held.length = 0;
    const db = path.join(dir, "eval-once.db");
    const args = ["eval", TRIAGE, ...lm(mock), "--concurrency", "4"];
    const pty = await heldInFlight(args, db, 20, 4);
    await firstCtrlC(pty);
    // It waits for the calls held in flight instead of leaving without them.
    expect(pty.child.exitCode).toBeNull();
    held.release();
    const code = await pty.closed;
    const screen = pty.screen();
    expect(code, screen).toBe(130);
    const done = Number(/interrupted after (\d+) of 70 examples; they are recorded in run [2-9a-z]{8}/.exec(screen)?.[1]);
    // One call per example: every call sent ended, was answered and is a recorded example.
    expect(done, screen).toBe(mock.counts.total);
    expect(mock.counts.ok).toBe(mock.counts.total);
    expect(count(db, "evaluations")).toBe(done);
    expectTerminalRestored(pty);

    const heldCalls = [...held.held];
    mock.reset();
    const again = await runCli([...args, "--json"], { env: env(db) });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).summary.memoized).toBe(done);
    expect(mock.requests).toHaveLength(70 - done);
    expect(repeated(mock.requests, heldCalls)).toEqual([]);
  });

  it("eval: a second Ctrl-C leaves with the calls still held; the run is marked interrupted and running it again finishes with what was answered reused", async () => {
    mock.reset();
    const db = path.join(dir, "eval-twice.db");
    const args = ["eval", TRIAGE, ...lm(mock), "--concurrency", "4"];
    const pty = await heldInFlight(args, db, 20, 4);
    await firstCtrlC(pty);
    pty.ctrlC();
    // The calls are released only after it ended: it did not wait for them.
    const code = await pty.closed;
    const screen = pty.screen();
    expect(held.waiting()).toBe(4);
    const answered = mock.counts.ok;
    expect(answered).toBe(20);
    held.release();
    expect(code, screen).toBe(130);
    expect(screen).toMatch(/quitting: the calls in flight are abandoned/);
    const runId = /interrupted after \d+ of 70 examples; they are recorded in run ([2-9a-z]{8})/.exec(screen)?.[1];
    expect(runId, screen).toBeDefined();
    expect(recordedStatus(db, runId!)).toBe("interrupted");
    expect(query(db, "PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });
    expectTerminalRestored(pty);
    // Every call answered before quitting is recorded: only the abandoned ones are asked again.
    expect(count(db, "evaluations")).toBe(answered);
    mock.reset();
    const again = await runCli([...args, "--json"], { env: env(db) });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).summary.memoized).toBe(answered);
    expect(mock.requests).toHaveLength(70 - answered);
  });

  it("compare: the first Ctrl-C lets the calls in flight end and says how far it got; comparing again asks for none of them", async () => {
    mock.reset();
    held.held.length = 0;
    const db = path.join(dir, "compare.db");
    const args = ["compare", TRIAGE, TRIAGE, ...lm(mock), "--concurrency", "4"];
    const pty = await heldInFlight(args, db, 20, 4);
    await firstCtrlC(pty);
    expect(pty.child.exitCode).toBeNull();
    held.release();
    const code = await pty.closed;
    const screen = pty.screen();
    expect(code, screen).toBe(130);
    const done = Number(/interrupted while scoring A \((\d+) of 70 examples done\), so nothing was compared/.exec(screen)?.[1]);
    expect(done, screen).toBe(mock.counts.total);
    expect(count(db, "evaluations")).toBe(done);
    expectTerminalRestored(pty);

    const heldCalls = [...held.held];
    mock.reset();
    const again = await runCli(args, { env: env(db) });
    expect(again.code, again.stderr).toBe(0);
    // B is the same program: every one of its examples is answered by A's.
    expect(mock.requests).toHaveLength(70 - done);
    expect(repeated(mock.requests, heldCalls)).toEqual([]);
  });

  it("compare: a second Ctrl-C leaves with the calls still held; comparing again finishes", async () => {
    mock.reset();
    const db = path.join(dir, "compare-twice.db");
    const args = ["compare", TRIAGE, TRIAGE, ...lm(mock), "--concurrency", "4"];
    const pty = await heldInFlight(args, db, 20, 4);
    await firstCtrlC(pty);
    pty.ctrlC();
    const code = await pty.closed;
    expect(held.waiting()).toBe(4);
    const answered = mock.counts.ok;
    expect(answered).toBe(20);
    held.release();
    expect(code, pty.screen()).toBe(130);
    expectTerminalRestored(pty);
    expect(count(db, "evaluations")).toBe(answered);
    mock.reset();
    const again = await runCli(args, { env: env(db) });
    expect(again.code, again.stderr).toBe(0);
    expect(mock.requests).toHaveLength(70 - answered);
  });

  it("run: the first Ctrl-C lets the call end and shows its answer (exit 130); running it again is answered from the cache", async () => {
    mock.reset();
    const db = path.join(dir, "run.db");
    const args = ["run", TRIAGE, "--input", '{"message": "my parcel is late"}', ...lm(mock)];
    const pty = await heldInFlight(args, db, 0, 1);
    await firstCtrlC(pty);
    expect(pty.child.exitCode).toBeNull();
    held.release();
    const code = await pty.closed;
    const screen = pty.screen();
    expect(code, screen).toBe(130);
    expect(screen).toMatch(/interrupted: the calls in flight ended, so the prediction is complete/);
    expect(screen).toMatch(/^team: \w+/m);
    expectTerminalRestored(pty);
    mock.reset();
    const again = await runCli(args, { env: env(db) });
    expect(again.code, again.stderr).toBe(0);
    expect(mock.requests).toHaveLength(0);
  });

  it("run: a second Ctrl-C leaves with the call still held", async () => {
    mock.reset();
    const pty = await heldInFlight(["run", TRIAGE, "--input", '{"message": "my parcel is late"}', ...lm(mock)], path.join(dir, "run-twice.db"), 0, 1);
    await firstCtrlC(pty);
    pty.ctrlC();
    const code = await pty.closed;
    expect(held.waiting()).toBe(1);
    expect(code, pty.screen()).toBe(130);
    expect(pty.screen()).toMatch(/quitting: the calls in flight are abandoned/);
    expect(pty.screen()).not.toMatch(/^team:/m);
    expectTerminalRestored(pty);
  });

  describe("optimize", () => {
    const optimizeArgs = ["--optimizer", "gepa", "--seed", "3", "--concurrency", "4", "--budget-calls", "700"];
    let uninterrupted: Promise<Awaited<ReturnType<typeof runCli>>>;
    beforeAll(() => {
      uninterrupted = runCli(["optimize", TRIAGE, ...optimizeArgs, ...lm(reference), "--json"], { env: env(path.join(dir, "reference.db")), timeoutMs: 85_000 });
    });

    async function underWay(db: string): Promise<PtyCli> {
      // Past the baseline (70 calls on dev) and the first checkpoint: a resume continues from the
      // optimizer's state, not from the baseline.
      const pty = await heldInFlight(["optimize", TRIAGE, ...optimizeArgs, ...lm(mock)], db, 150, 1);
      await waitFor(() => count(db, "checkpoints") > 0, "a checkpoint", pty);
      return pty;
    }

    async function expectResumeEndsAsUninterrupted(db: string, runId: string): Promise<MockRequest[]> {
      mock.reset();
      const resumed = await runCli(["resume", runId, "--json", "--base-url", mock.openaiBaseUrl], { env: env(db) });
      expect(resumed.code, resumed.stderr).toBe(0);
      const ref = await uninterrupted;
      expect(ref.code, ref.stderr).toBe(0);
      expect(runOutcome(JSON.parse(resumed.stdout))).toEqual(runOutcome(JSON.parse(ref.stdout)));
      return [...mock.requests];
    }

    it("the first Ctrl-C lets the calls in flight end and keeps them, prints the resume command and exits 130; resume asks for none of them and ends as the uninterrupted run", async () => {
      mock.reset();
      held.held.length = 0;
      const db = path.join(dir, "optimize-once.db");
      const pty = await underWay(db);
      await firstCtrlC(pty);
      expect(pty.child.exitCode).toBeNull();
      held.release();
      const code = await pty.closed;
      const screen = pty.screen();
      expect(code, screen).toBe(130);
      const runId = /continue it with `dspx resume ([2-9a-z]{8})`/.exec(screen)?.[1];
      expect(runId, screen).toBeDefined();
      expect(recordedStatus(db, runId!)).toBe("interrupted");
      // Every call sent was answered (none was cut off) …
      expect(held.held.length).toBeGreaterThan(0);
      expect(mock.counts.ok).toBe(mock.counts.total);
      expectTerminalRestored(pty);
      // … and counts: the resumed run asks for none of them again.
      const heldCalls = [...held.held];
      const sent = await expectResumeEndsAsUninterrupted(db, runId!);
      expect(repeated(sent, heldCalls)).toEqual([]);
    });

    it("a second Ctrl-C leaves with the calls still held; the run is marked interrupted, the store is whole and resume ends as the uninterrupted run", async () => {
      mock.reset();
      const db = path.join(dir, "optimize-twice.db");
      const pty = await underWay(db);
      const answeredBefore = mock.requests.filter((r) => !held.held.includes(r));
      await firstCtrlC(pty);
      pty.ctrlC();
      const code = await pty.closed;
      const screen = pty.screen();
      expect(held.waiting()).toBeGreaterThan(0);
      held.release();
      expect(code, screen).toBe(130);
      expect(screen).toMatch(/quitting: the calls in flight are abandoned/);
      const runId = /continue it with `dspx resume ([2-9a-z]{8})`/.exec(screen)?.[1];
      expect(runId, screen).toBeDefined();
      expect(recordedStatus(db, runId!)).toBe("interrupted");
      expect(query(db, "PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });
      expectTerminalRestored(pty);
      // What was answered before quitting was committed: resume asks for none of it again.
      const sent = await expectResumeEndsAsUninterrupted(db, runId!);
      expect(repeated(sent, answeredBefore)).toEqual([]);
    });
  });
});
