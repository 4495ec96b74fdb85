import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { heldResponder, requestKey, type HeldResponder } from "../support/held-responder.js";
import { startMockProvider, type MockProvider, type MockRequest } from "../support/mock-provider.js";
import { expectTerminalRestored, killLeftoverPtys, startInPty, waitFor, type PtyCli } from "../support/pty.js";
import { queryStore } from "../support/store-query.js";
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

const count = (db: string, table: string) => queryStore<{ n: number }>(db, `SELECT COUNT(*) AS n FROM ${table}`)?.n ?? 0;
/** The run's status as its row says it (not as readers infer it from a dead process). */
const recordedStatus = (db: string, runId: string) => queryStore<{ status: string }>(db, "SELECT status FROM runs WHERE id = ?", runId)?.status;


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

/** One Ctrl-C with calls held: it must wait for them (still running once it says it is stopping); released, it exits 130. The screen. */
async function stopAndRelease(pty: PtyCli): Promise<string> {
  await firstCtrlC(pty);
  expect(pty.child.exitCode).toBeNull();
  held.release();
  const code = await pty.closed;
  expect(code, pty.screen()).toBe(130);
  return pty.screen();
}

/** The requests among `sent` that repeat one of `earlier` (asked again: paid twice). */
function repeated(sent: readonly MockRequest[], earlier: readonly MockRequest[]): MockRequest[] {
  const keys = new Set(earlier.map(requestKey));
  return sent.filter((r) => keys.has(requestKey(r)));
}

describe.sequential("Ctrl-C at a terminal with LM calls in flight", () => {
  /**
   * Starts `args` with calls held in flight after 20 answers, presses Ctrl-C once, and lets the held
   * calls end only once it is stopping (and still running): it must wait for them, then count them.
   * Returns what `done` reads from the screen (the examples it says are done).
   */
  async function stoppedOnce(args: string[], db: string, done: RegExp): Promise<number> {
    mock.reset();
    held.held.length = 0;
    const pty = await heldInFlight(args, db, 20, 4);
    const screen = await stopAndRelease(pty);
    const n = Number(done.exec(screen)?.[1]);
    // One call per example: every call sent ended, was answered and is a recorded example.
    expect(n, screen).toBe(mock.counts.total);
    expect(mock.counts.ok).toBe(mock.counts.total);
    expect(count(db, "evaluations")).toBe(n);
    expectTerminalRestored(pty);
    return n;
  }

  /** Starts `args` with calls held in flight after 20 answers and presses Ctrl-C twice: it leaves with them unanswered. */
  async function quitTwice(args: string[], db: string): Promise<string> {
    mock.reset();
    const pty = await heldInFlight(args, db, 20, 4);
    await firstCtrlC(pty);
    pty.ctrlC();
    // The calls are released only after it ended: it did not wait for them.
    const code = await pty.closed;
    const screen = pty.screen();
    expect(held.waiting()).toBe(4);
    expect(mock.counts.ok).toBe(20);
    held.release();
    expect(code, screen).toBe(130);
    expect(screen).toMatch(/quitting: the calls in flight are abandoned; what finished is kept/);
    expect(queryStore(db, "PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });
    // Every call answered before quitting is recorded.
    expect(count(db, "evaluations")).toBe(20);
    expectTerminalRestored(pty);
    return screen;
  }

  /** Runs `args` again to its end: it asks for exactly `requests` calls, none of them one of `earlier`. */
  async function again(args: string[], db: string, requests: number, earlier: readonly MockRequest[] = []): Promise<Awaited<ReturnType<typeof runCli>>> {
    mock.reset();
    const r = await runCli(args, { env: env(db) });
    expect(r.code, r.stderr).toBe(0);
    expect(mock.requests).toHaveLength(requests);
    expect(repeated(mock.requests, earlier)).toEqual([]);
    return r;
  }

  const evalArgs = ["eval", TRIAGE, "--concurrency", "4"];
  const compareArgs = ["compare", TRIAGE, TRIAGE, "--concurrency", "4"];

  it("eval: the first Ctrl-C lets the calls in flight end; every call sent is a recorded example; running it again asks for none of them", async () => {
    const db = path.join(dir, "eval-once.db");
    const args = [...evalArgs, ...lm(mock)];
    const done = await stoppedOnce(args, db, /interrupted after (\d+) of 70 examples; they are recorded in run [2-9a-z]{8}/);
    const r = await again([...args, "--json"], db, 70 - done, [...held.held]);
    expect(JSON.parse(r.stdout).summary.memoized).toBe(done);
  });

  it("eval: a second Ctrl-C leaves with the calls still held; the run is marked interrupted and running it again finishes with what was answered reused", async () => {
    const db = path.join(dir, "eval-twice.db");
    const args = [...evalArgs, ...lm(mock)];
    const screen = await quitTwice(args, db);
    const runId = /interrupted after 20 of 70 examples; they are recorded in run ([2-9a-z]{8})/.exec(screen)?.[1];
    expect(runId, screen).toBeDefined();
    expect(recordedStatus(db, runId!)).toBe("interrupted");
    const r = await again([...args, "--json"], db, 50);
    expect(JSON.parse(r.stdout).summary.memoized).toBe(20);
  });

  it("compare: the first Ctrl-C lets the calls in flight end and says how far it got; comparing again asks for none of them", async () => {
    const db = path.join(dir, "compare.db");
    const args = [...compareArgs, ...lm(mock)];
    const done = await stoppedOnce(args, db, /interrupted while scoring A \((\d+) of 70 examples done\), so nothing was compared/);
    // B is the same program: every one of its examples is answered by A's.
    await again(args, db, 70 - done, [...held.held]);
  });

  it("compare: a second Ctrl-C leaves with the calls still held; comparing again finishes", async () => {
    const db = path.join(dir, "compare-twice.db");
    const args = [...compareArgs, ...lm(mock)];
    const screen = await quitTwice(args, db);
    expect(screen).toMatch(/interrupted, so nothing was compared; the evaluations that finished are kept/);
    await again(args, db, 50);
  });

  it("run: the first Ctrl-C lets the call end and shows its answer (exit 130); running it again is answered from the cache", async () => {
    mock.reset();
    const db = path.join(dir, "run.db");
    const args = ["run", TRIAGE, "--input", '{"message": "my parcel is late"}', ...lm(mock)];
    const pty = await heldInFlight(args, db, 0, 1);
    const screen = await stopAndRelease(pty);
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
      const screen = await stopAndRelease(pty);
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
      expect(queryStore(db, "PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });
      expectTerminalRestored(pty);
      // What was answered before quitting was committed: resume asks for none of it again.
      const sent = await expectResumeEndsAsUninterrupted(db, runId!);
      expect(repeated(sent, answeredBefore)).toEqual([]);
    });
  });
});
