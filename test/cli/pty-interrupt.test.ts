import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";
import { defaultResponder, startMockProvider, type MockProvider } from "../support/mock-provider.js";
import { expectTerminalRestored, killLeftoverPtys, startInPty, waitFor, type PtyCli } from "../support/pty.js";
import { queryStore } from "../support/store-query.js";
import { runOutcome } from "../support/run-outcome.js";

/**
 * Ctrl-C typed at a real terminal (a pseudo-terminal from `script`): the byte goes through the
 * terminal driver, which sends SIGINT only while the terminal has `isig` on. The progress spinner
 * used to switch the terminal to raw mode, where Ctrl-C is a byte nobody read: the run went on
 * to its end and exited 0.
 *
 * The program's metric can be held: while the file GATE_HOLD names exists, every example reaching
 * its metric waits (and leaves a marker naming itself). That is work in flight the test controls,
 * without a clock. The uninterrupted reference runs are never held.
 */
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const DATA = path.join(ROOT, "datasets/support-triage");
let dir: string;
let program: string;
let hold: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-pty-"));
  hold = path.join(dir, "HOLD");
  writeFileSync(
    path.join(dir, "gate.mjs"),
    `import { existsSync, writeFileSync } from "node:fs";
const HOLD = process.env.GATE_HOLD;
export default async function (example, prediction) {
  if (HOLD && existsSync(HOLD)) {
    writeFileSync(HOLD + ".held-" + example.id, "");
    while (existsSync(HOLD)) await new Promise((r) => setTimeout(r, 20));
  }
  return ((prediction.team === example.team) + (prediction.urgency === example.urgency)) / 2;
}
`,
  );
  program = path.join(dir, "triage.yaml");
  writeFileSync(
    program,
    `name: triage-gated
inputs:
  message: string
outputs:
  team: route.team
  urgency: route.urgency
steps:
  route:
    module: chain_of_thought
    signature: "message -> team: enum(billing, technical, account, shipping, returns, security, other), urgency: enum(low, normal, high)"
    instruction: Route the message to the team that should handle it and judge its urgency.
metric:
  module: ./gate.mjs
data:
  train: ${path.join(DATA, "train.jsonl")}
  dev: ${path.join(DATA, "dev.jsonl")}
  test: ${path.join(DATA, "test.jsonl")}
`,
  );
});
afterEach(() => {
  killLeftoverPtys();
  rmSync(hold, { force: true });
  for (const id of held()) rmSync(path.join(dir, `HOLD.held-${id}`));
});

const committedEvaluations = (db: string) => queryStore<{ n: number }>(db, "SELECT COUNT(*) AS n FROM evaluations")?.n ?? 0;
/** How many evaluations the store holds of each example. */
function evaluationsByExample(db: string): Map<string, number> {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  const rows = conn.prepare("SELECT example_id AS id, COUNT(*) AS n FROM evaluations GROUP BY example_id").all() as { id: string; n: number }[];
  conn.close();
  return new Map(rows.map((r) => [r.id, r.n]));
}
const held = () => readdirSync(dir).filter((f) => f.startsWith("HOLD.held-")).map((f) => f.slice("HOLD.held-".length));


/** Starts a command in the terminal and waits until its spinner runs and results are committed. */
async function underWay(args: string[], db: string): Promise<PtyCli> {
  const pty = startInPty(args, { env: { DSPX_DB: db, GATE_HOLD: hold } });
  await waitFor(() => SPINNER.test(pty.screen()) && committedEvaluations(db) > 0, "the spinner and a committed result", pty);
  return pty;
}

/**
 * Once the optimizer has checkpointed a step (so a resume continues from its state, not from the
 * baseline), holds the metric and waits until an example is held there: work in flight that cannot
 * end by itself.
 */
async function holdInFlight(pty: PtyCli, db: string): Promise<void> {
  await waitFor(() => (queryStore<{ n: number }>(db, "SELECT COUNT(*) AS n FROM checkpoints")?.n ?? 0) > 0, "a checkpoint", pty);
  writeFileSync(hold, "");
  await waitFor(() => held().length > 0, "an example held at its metric", pty);
}

describe.sequential("Ctrl-C at a terminal", () => {
  const optimizeArgs = ["--optimizer", "gepa", "--lm", "sim", "--seed", "3", "--concurrency", "4", "--budget-calls", "1500"];
  let reference: Promise<Awaited<ReturnType<typeof runCli>>>;
  beforeAll(() => {
    reference = runCli(["optimize", program, ...optimizeArgs, "--json"], { env: { DSPX_DB: path.join(dir, "reference.db") }, timeoutMs: 85_000 });
  });

  /** An optimize run at the terminal with an example held in flight, after one Ctrl-C: it is stopping. */
  async function stoppingWithWorkInFlight(db: string): Promise<PtyCli> {
    const pty = await underWay(["optimize", program, ...optimizeArgs], db);
    await holdInFlight(pty, db);
    pty.ctrlC();
    await waitFor(() => /stopping: finishing the calls in flight/.test(pty.screen()), "the stopping line", pty);
    return pty;
  }

  async function expectResumeEndsAsUninterrupted(db: string, runId: string): Promise<void> {
    const resumed = await runCli(["resume", runId, "--json"], { env: { DSPX_DB: db } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const ref = await reference;
    expect(ref.code, ref.stderr).toBe(0);
    expect(runOutcome(JSON.parse(resumed.stdout))).toEqual(runOutcome(JSON.parse(ref.stdout)));
  }

  it("optimize: the first Ctrl-C stops dispatching, lets the work in flight end, keeps it, prints the resume command and exits 130; resume ends as the uninterrupted run", async () => {
    const db = path.join(dir, "optimize-once.db");
    const pty = await stoppingWithWorkInFlight(db);
    // It waits for the example held in flight instead of leaving without it.
    expect(pty.child.exitCode).toBeNull();
    const before = evaluationsByExample(db);
    rmSync(hold);
    const code = await pty.closed;
    const screen = pty.screen();
    expect(code, screen).toBe(130);
    const runId = /continue it with `dspx resume ([2-9a-z]{8})`/.exec(screen)?.[1];
    expect(runId, screen).toBeDefined();
    expect(queryStore(db, "SELECT status FROM runs WHERE id = ?", runId)).toEqual({ status: "interrupted" });
    // What was in flight when Ctrl-C was pressed ended and is in the store.
    const after = evaluationsByExample(db);
    expect(held().length).toBeGreaterThan(0);
    for (const id of held()) expect((after.get(id) ?? 0) - (before.get(id) ?? 0), id).toBe(1);
    expectTerminalRestored(pty);
    await expectResumeEndsAsUninterrupted(db, runId!);
  });

  it("optimize: a second Ctrl-C leaves at once, with work still in flight; the store stays consistent and resume ends as the uninterrupted run", async () => {
    const db = path.join(dir, "optimize-twice.db");
    const pty = await stoppingWithWorkInFlight(db);
    pty.ctrlC();
    // It ends with the example still held at its metric (HOLD is removed only afterwards): it did not wait.
    const code = await pty.closed;
    const screen = pty.screen();
    rmSync(hold);
    expect(code, screen).toBe(130);
    expect(screen).not.toContain("the run is saved");
    expectTerminalRestored(pty);
    expect(queryStore(db, "PRAGMA integrity_check")).toEqual({ integrity_check: "ok" });
    const runId = /continue it with `dspx resume ([2-9a-z]{8})`/.exec(screen)?.[1];
    expect(runId, screen).toBeDefined();
    // Marked so in its row, not only read so because its process is gone.
    expect(queryStore(db, "SELECT status FROM runs WHERE id = ?", runId)).toEqual({ status: "interrupted" });
    await expectResumeEndsAsUninterrupted(db, runId!);
  });

  it("eval: Ctrl-C stops it with exit 130, saying how many examples are recorded; running it again reuses them", async () => {
    const db = path.join(dir, "eval.db");
    const args = ["eval", path.join(ROOT, "programs/support-triage.yaml"), "--lm", "sim?latency=20ms", "--concurrency", "2"];
    const pty = await underWay(args, db);
    pty.ctrlC();
    const code = await pty.closed;
    const screen = pty.screen();
    expect(code, screen).toBe(130);
    const done = Number(/interrupted after (\d+) of 70 examples; they are recorded in run [2-9a-z]{8}, and running the same command again reuses them/.exec(screen)?.[1]);
    expect(done, screen).toBeGreaterThan(0);
    expect(done).toBeLessThan(70);
    expectTerminalRestored(pty);
    const again = await runCli([...args, "--json"], { env: { DSPX_DB: db } });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).summary.memoized).toBeGreaterThanOrEqual(done);
  });

  it("compare: Ctrl-C stops it with exit 130 and says where it stopped", async () => {
    const db = path.join(dir, "compare.db");
    const triage = path.join(ROOT, "programs/support-triage.yaml");
    const pty = startInPty(["compare", triage, triage, "--lm", "sim?latency=20ms", "--concurrency", "2"], { env: { DSPX_DB: db } });
    await waitFor(() => committedEvaluations(db) > 0, "a committed result", pty);
    pty.ctrlC();
    const code = await pty.closed;
    expect(code, pty.screen()).toBe(130);
    expect(pty.screen()).toMatch(/interrupted while scoring A \(\d+ of 70 examples done\), so nothing was compared/);
    expectTerminalRestored(pty);
  });
});

describe("the terminal after other endings", () => {
  let mock: MockProvider;
  // Eight answers, then the key is refused. (Ctrl-C with calls in flight: pty-in-flight.test.ts.)
  beforeAll(async () => {
    mock = await startMockProvider({ respond: (req) => (req.index < 8 ? defaultResponder(req) : { kind: "error", status: 401 }) });
  });
  afterAll(() => mock.close());

  it("eval: finishing normally (exit 0) and failing on the provider mid-run (exit 3) leave it as it was", async () => {
    const ok = startInPty(["eval", path.join(ROOT, "programs/support-triage.yaml"), "--lm", "sim", "--limit", "20"], { env: { DSPX_DB: path.join(dir, "eval-ok.db") } });
    expect(await ok.closed, ok.screen()).toBe(0);
    expect(ok.screen()).toMatch(SPINNER);
    expectTerminalRestored(ok);

    mock.reset();
    const failed = startInPty(["eval", program, "--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl], { env: { DSPX_DB: path.join(dir, "eval-fail.db"), OPENAI_API_KEY: "sk-test" } });
    expect(await failed.closed, failed.screen()).toBe(3);
    expect(failed.screen()).toMatch(SPINNER);
    expectTerminalRestored(failed);
  });
});
