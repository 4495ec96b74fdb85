import { copyFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { beginEvalRun } from "../../src/evaluate/eval-run.js";
import { storeMemo } from "../../src/evaluate/memo.js";
import { fingerprints } from "../../src/runtime/fingerprint.js";
import { evaluateProgramStreaming } from "../../src/evaluate/program.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { LMPool } from "../../src/lm/pool.js";
import { stateHash } from "../../src/program/state.js";
import type { Program } from "../../src/runtime/program.js";
import { loadProgram } from "../../src/runtime/load.js";
import { messageJson } from "../../src/store/blobs.js";
import { Store } from "../../src/store/store.js";
import { canonicalJson } from "../../src/util/canonical.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Example } from "../../src/program/example.js";
import { FakeTools } from "../support/fake-tools.js";
import { EVAL_CONFIG } from "../support/run-configs.js";
import { AGENT_TOOL_FILES, agentProgram } from "../modules/fixtures/agent-program.js";

const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const DAY = 86_400_000;
const { dataset: _dataset, ...CONFIG } = EVAL_CONFIG;

type Row = { id: string; message: string; team: string };
/** "2" asks what "1" asks (same inputs, other gold): both render the very same messages. */
const ROWS_A: Row[] = [
  { id: "1", message: "my invoice is wrong", team: "billing" },
  { id: "2", message: "my invoice is wrong", team: "technical" },
  { id: "3", message: "the app crashes", team: "technical" },
];
const ROWS_B: Row[] = [
  { id: "b1", message: "refund my order", team: "billing" },
  { id: "b2", message: "login fails", team: "technical" },
];

async function setup(): Promise<{ dir: string; file: string; store: Store; program: Program }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-traces-"));
  await writeFile(
    path.join(dir, "p.yaml"),
    `name: t\ninputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team: enum(billing, technical)"\n    instruction: Route the message.\nmetric:\n  exact_match: team\ndata:\n  dev: a.jsonl\n`,
  );
  for (const [name, rows] of [["a.jsonl", ROWS_A], ["b.jsonl", ROWS_B]] as const) await writeFile(path.join(dir, name), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const file = path.join(dir, "dspx.db");
  const store = Store.open(file);
  stores.push(store);
  const program = await loadProgram(path.join(dir, "p.yaml"), { pool: new LMPool({ override: "sim", cache: false }) });
  return { dir, file, store, program };
}

/** An eval run of the program, as `dspx eval` makes one; `finish: false` leaves it running (in progress, in this process). */
async function evalRun(store: Store, program: Program, options: { traces?: boolean; reuse?: boolean; dataset?: string; finish?: boolean } = {}) {
  const results: ExampleResult[] = [];
  const run = await beginEvalRun(store, program, {
    dataset: "dev",
    config: { ...CONFIG, ...(options.traces === false ? { traces: false as const } : {}) },
    ...(options.reuse === false ? { reuse: false } : {}),
  });
  const outcome = await evaluateProgramStreaming(program, { memo: run.memo, concurrency: 2, ...(options.dataset ? { dataset: options.dataset } : {}), onResult: (r) => void results.push(r) });
  if (options.finish !== false) run.finish({ report: outcome });
  await store.flush();
  return { runId: run.runId, results, outcome };
}

function sql<T>(file: string, query: string, ...params: unknown[]): T[] {
  const db = new Database(file);
  try {
    const statement = db.prepare(query);
    return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
  } finally {
    db.close();
  }
}
const blobCount = (file: string) => sql<{ n: number }>(file, "SELECT COUNT(*) AS n FROM blobs")[0]!.n;

describe("traces are stored", () => {
  it("keeps every sim call's rendered messages, completion, tokens, latency and cache flag, and the example's inputs and gold", async () => {
    const { store, program } = await setup();
    const { runId, results } = await evalRun(store, program);
    const candidate = stateHash(program.state);
    expect(results).toHaveLength(3);
    for (const r of results) {
      const stored = store.traces.result({ runId, candidate, dataset: "dev", exampleId: r.exampleId })!;
      expect(stored.row.traced).toBe(true);
      const [step] = stored.steps;
      const [call] = step!.calls;
      const sent = r.trace[0]!.calls[0]!;
      // What the adapter rendered and sim answered, as the request carried it.
      expect(sent.messages?.length).toBeGreaterThan(1);
      expect(call!.messagesHash).toMatch(/^[0-9a-f]{64}$/);
      expect(store.traces.messages(call!.messagesHash!)).toEqual(sent.messages);
      expect(call).toMatchObject({ model: "sim", text: sent.text, cached: false, usage: sent.usage, latencyMs: sent.latencyMs });
      expect(call!.text).toContain("[[ ## team ## ]]");
      expect(step!.outputs).toEqual(r.outputs);
      const row = ROWS_A.find((x) => x.id === r.exampleId)!;
      expect(stored.example).toEqual({ inputs: { message: row.message }, gold: { team: row.team } });
    }
    expect(store.traces.result({ runId, candidate, dataset: "dev", exampleId: "nope" })).toBeUndefined();
    expect(store.traces.examples(runId, "dev")).toEqual(new Map(ROWS_A.map((r) => [r.id, { inputs: { message: r.message }, gold: { team: r.team } }])));
    expect(store.traces.examples(runId, "dev", "other-candidate").size).toBe(0);
    expect(store.traces.messages("0".repeat(64))).toBeUndefined();
  });

  it("stores each message once: examples and candidates rendering the same messages share one blob", async () => {
    const { file, store, program } = await setup();
    const { runId } = await evalRun(store, program);
    const candidate = stateHash(program.state);
    const hashOf = (exampleId: string) => store.traces.result({ runId, candidate, dataset: "dev", exampleId })!.steps[0]!.calls[0]!.messagesHash!;
    expect(hashOf("1")).toBe(hashOf("2"));
    expect(hashOf("3")).not.toBe(hashOf("1"));
    // 1 system message (shared by all) + 2 distinct user turns + 2 message lists + 3 examples (ids 1 and 2 differ in gold).
    expect(blobCount(file)).toBe(1 + 2 + 2 + 3);
    const systems = sql<{ n: number }>(file, "SELECT COUNT(*) AS n FROM blobs WHERE content LIKE '{\"content\":%\"role\":\"system\"}'")[0]!.n;
    expect(systems).toBe(1);
    // Evaluated again (no memo: new evaluations of the same candidate): nothing new to store but the rows.
    await evalRun(store, program, { reuse: false });
    expect(sql<{ n: number }>(file, "SELECT COUNT(*) AS n FROM evaluations")[0]!.n).toBe(6);
    expect(blobCount(file)).toBe(8);
    // Another candidate (another instruction): its own system message, the same user turns and examples.
    await evalRun(store, program.withState({ steps: { route: { instruction: "Route it, carefully.", demos: [] } } }));
    expect(blobCount(file)).toBe(8 + 1 + 2);
  });

  it("--no-traces stores no messages, completions or trajectories, keeps scores and outputs, and its results replay from the memo", async () => {
    const { file, store, program } = await setup();
    const first = await evalRun(store, program, { traces: false });
    // Only the examples are stored as blobs: no message of any call.
    expect(blobCount(file)).toBe(3);
    expect(sql<{ traced: number }>(file, "SELECT DISTINCT traced FROM evaluations")).toEqual([{ traced: 0 }]);
    for (const { trace } of sql<{ trace: string }>(file, "SELECT trace FROM evaluations")) {
      expect(trace).not.toMatch(/"text"|messagesHash|"messages"|trajectory/);
      expect(trace).toMatch(/"outputs":\{"team":/);
    }
    expect(store.runs.get(first.runId)!.config).toMatchObject({ traces: false });
    // What the run used is what it stored (a resumed run reads it back): no completion in memory either.
    expect(first.results.every((r) => r.trace[0]!.calls.every((c) => c.text === undefined && c.messages === undefined))).toBe(true);
    const again = await evalRun(store, program, { traces: false });
    expect(again.outcome.summary.memoized).toBe(3);
    expect(again.results.map((r) => r.score)).toEqual(first.results.map((r) => r.score));
    // An eval keeping traces reuses them as they are (it only scores)...
    expect((await evalRun(store, program)).outcome.summary.memoized).toBe(3);
    // ...but a memo whose reader decides from traces (an optimizer's) evaluates and stores them again.
    const optimizerLike = storeMemo({ evaluations: store.evaluations, fingerprints: await fingerprints(program), candidate: stateHash(program.state), requireTraces: true });
    const traced = await evaluateProgramStreaming(program, { memo: optimizerLike, concurrency: 2 });
    await store.flush();
    expect(traced.summary.memoized).toBe(0);
    expect(blobCount(file)).toBe(3 + 1 + 2 + 2);
    // Now every example has a traced result: preferred by any run, and stripped by one without traces.
    const withTraces = await evalRun(store, program);
    expect(withTraces.outcome.summary.memoized).toBe(3);
    expect(withTraces.results.every((r) => r.trace[0]!.calls.every((c) => c.messagesHash !== undefined))).toBe(true);
    const reused = await evalRun(store, program, { traces: false });
    expect(reused.outcome.summary.memoized).toBe(3);
    expect(reused.results.every((r) => r.trace[0]!.calls.every((c) => c.text === undefined && c.messagesHash === undefined))).toBe(true);
  });
});

describe("a metric that calls an LM", () => {
  it("keeps the judge's calls after the steps (module metric): messages, completion, verdict; a reused result has them apart from its steps", async () => {
    const { dir, store } = await setup();
    await writeFile(
      path.join(dir, "judged.yaml"),
      `name: judged\ninputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team: enum(billing, technical)"\n    instruction: Route the message.\nmetric:\n  llm_judge: { field: team, gold: team, rubric: The team is the one that handles this message. }\ndata:\n  dev: a.jsonl\n`,
    );
    const program = await loadProgram(path.join(dir, "judged.yaml"), { pool: new LMPool({ override: "sim", cache: false }) });
    const candidate = stateHash(program.state);
    const first = await evalRun(store, program);
    expect(first.results).toHaveLength(3);
    for (const r of first.results) {
      expect(r.trace.map((t) => t.step)).toEqual(["route"]);
      expect(r.metricTrace).toMatchObject({ step: "llm_judge(team)", module: "metric", outputs: { score: r.score } });
      const stored = store.traces.result({ runId: first.runId, candidate, dataset: "dev", exampleId: r.exampleId })!;
      expect(stored.steps.map((t) => [t.step, t.module])).toEqual([["route", "predict"], ["llm_judge(team)", "metric"]]);
      const [judge] = stored.steps[1]!.calls;
      const sent = r.metricTrace!.calls[0]!;
      expect(judge).toMatchObject({ model: "sim", purpose: "judge", text: sent.text });
      expect(store.traces.messages(judge!.messagesHash!)).toEqual(sent.messages);
      expect(JSON.stringify(sent.messages)).toContain("The team is the one that handles this message.");
    }
    // Reused from the memo: the steps are the program's alone, the judge's entry stays apart.
    const again = await evalRun(store, program);
    expect(again.outcome.summary.memoized).toBe(3);
    for (const r of again.results) {
      expect(r.trace.map((t) => t.step)).toEqual(["route"]);
      expect(r.metricTrace?.calls[0]?.messagesHash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Without traces the judge's completion and messages are not kept either; its verdict is.
    const bare = await evalRun(store, program, { traces: false, reuse: false });
    for (const r of bare.results) {
      const stored = store.traces.result({ runId: bare.runId, candidate, dataset: "dev", exampleId: r.exampleId })!;
      expect(stored.steps[1]).toMatchObject({ module: "metric", outputs: { score: r.score } });
      expect(stored.steps[1]!.calls.every((c) => c.text === undefined && c.messagesHash === undefined)).toBe(true);
    }
  });
});

describe("agent steps", () => {
  it("keep their trajectory and every act and extract call's messages, answered by sim", async () => {
    const { dir, store } = await setup();
    await writeFile(path.join(dir, "agent.yaml"), agentProgram());
    for (const [name, text] of Object.entries(AGENT_TOOL_FILES)) await writeFile(path.join(dir, name), text);
    const program = await loadProgram(path.join(dir, "agent.yaml"), { pool: new LMPool({ override: "sim", cache: false }) });
    const examples: Example[] = [{ id: "q1", inputs: { question: "Where is order A1?" }, labels: { answer: "shipped" } }];
    const run = await beginEvalRun(store, program, { dataset: "dev", config: CONFIG });
    const tools = new FakeTools([{ name: "lookup_order", run: (a) => ({ id: a.order_id, status: "shipped" }) }]);
    const report = await evaluate({
      graph: program.graph,
      state: program.state,
      examples,
      metric: await program.metric(),
      exec: { lmFor: program.lmFor, toolsFor: () => tools },
      metricContext: program.metricContext(),
      concurrency: 1,
      memo: run.memo,
    });
    run.finish({ report });
    await store.flush();
    const stored = store.traces.result({ runId: run.runId, candidate: stateHash(program.state), dataset: "dev", exampleId: "q1" })!;
    const step = stored.steps[0]!;
    const made = report.results[0]!.trace[0]!;
    expect(made.trajectory!.length).toBeGreaterThan(0);
    expect(step.trajectory).toEqual(JSON.parse(JSON.stringify(made.trajectory)));
    expect(step.calls.length).toBe(made.calls.length);
    expect(step.calls.length).toBeGreaterThan(1);
    for (const [i, call] of step.calls.entries()) {
      expect(call.model).toBe("sim");
      expect(store.traces.messages(call.messagesHash!)).toEqual(made.calls[i]!.messages);
    }
  });
});

describe("gc drops old traces", () => {
  it("rewrites old finished runs' traces and removes the blobs only they named, never a running or a recent run's", async () => {
    const { dir, file, store, program } = await setup();
    const old = await evalRun(store, program, { dataset: path.join(dir, "b.jsonl") });
    const recent = await evalRun(store, program);
    sql(file, "UPDATE runs SET started_at = ? WHERE id = ?", Date.now() - 40 * DAY, old.runId);
    const candidate = stateHash(program.state);
    const oldResult = () => store.traces.result({ runId: old.runId, candidate, dataset: "dev", exampleId: "b1" })!;
    const oldHash = oldResult().steps[0]!.calls[0]!.messagesHash!;
    const before = blobCount(file);

    // A run in progress (this process): traces still go, blobs stay until it has ended.
    const running = await evalRun(store, program.withState({ steps: { route: { instruction: "Route it, carefully.", demos: [] } } }), { finish: false });
    sql(file, "UPDATE runs SET started_at = ? WHERE id = ?", Date.now() - 50 * DAY, running.runId);
    const during = await store.gc({ traces: { before: Date.now() - 30 * DAY } });
    expect(during.traces).toMatchObject({ evaluations: 2, runs: 1 });
    expect(during.traces!.bytes).toBeGreaterThan(0);
    expect(during.removed.blobs).toBe(0);
    expect(during.kept.blobs).toBe(4); // b1's and b2's user turns and lists; the system message is the recent run's too
    expect(oldResult().row.traced).toBe(false);
    expect(oldResult().row.score).toBeTypeOf("number");
    expect(oldResult().steps[0]!.calls[0]).not.toHaveProperty("text");
    expect(oldResult().steps[0]!.calls[0]).not.toHaveProperty("messagesHash");
    expect(oldResult().steps[0]!.outputs).toHaveProperty("team");
    expect(oldResult().example).toEqual({ inputs: { message: "refund my order" }, gold: { team: "billing" } });

    sql(file, "UPDATE runs SET status = 'done' WHERE id = ?", running.runId);
    const after = await store.gc({ traces: { before: Date.now() - 30 * DAY } });
    // The running run, now done and old, lost its traces in turn; then every unnamed blob went.
    expect(after.traces).toMatchObject({ evaluations: 3, runs: 1 });
    // Its own system message and lists went with the old run's four.
    expect(after.removed.blobs).toBe(4 + 3);
    expect(after.removed.blobBytes).toBeGreaterThan(0);
    expect(store.traces.messages(oldHash)).toBeUndefined();
    // The recent run keeps everything, the system message it shared with the old run included.
    const kept = store.traces.result({ runId: recent.runId, candidate, dataset: "dev", exampleId: "3" })!;
    expect(kept.row.traced).toBe(true);
    expect(store.traces.messages(kept.steps[0]!.calls[0]!.messagesHash!)).toEqual(recent.results.find((r) => r.exampleId === "3")!.trace[0]!.calls[0]!.messages);
    expect(blobCount(file)).toBe(before + 3 - 7);
    expect(await store.gc({ traces: { before: Date.now() - 30 * DAY } })).toMatchObject({ traces: { evaluations: 0 }, removed: { blobs: 0 } });
  });

  it("--keep-traces keeps the newest runs' traces whatever their age; a dry run changes nothing", async () => {
    const { file, store, program } = await setup();
    const first = await evalRun(store, program, { reuse: false });
    const second = await evalRun(store, program, { reuse: false });
    sql(file, "UPDATE runs SET started_at = ? WHERE id = ?", 1000, first.runId);
    sql(file, "UPDATE runs SET started_at = ? WHERE id = ?", 2000, second.runId);
    const dry = await store.gc({ traces: { keepRuns: 1 }, dryRun: true });
    expect(dry.traces).toMatchObject({ evaluations: 3, runs: 1 });
    expect(sql<{ n: number }>(file, "SELECT COUNT(*) AS n FROM evaluations WHERE traced = 1")[0]!.n).toBe(6);
    const report = await store.gc({ traces: { keepRuns: 1 } });
    expect(report.traces).toMatchObject({ evaluations: 3, runs: 1 });
    // The two runs rendered the same messages: the blobs the newer one names all stay.
    expect(report.removed.blobs).toBe(0);
    const traced = sql<{ run_id: string; traced: number }>(file, "SELECT DISTINCT r.run_id, e.traced FROM run_results r JOIN evaluations e ON e.id = r.eval_id ORDER BY e.traced");
    expect(traced).toEqual([
      { run_id: first.runId, traced: 0 },
      { run_id: second.runId, traced: 1 },
    ]);
    // An evaluation a kept run links (reused through the memo) keeps its trace.
    const third = await evalRun(store, program);
    expect(third.outcome.summary.memoized).toBe(3);
    sql(file, "UPDATE runs SET started_at = ? WHERE id = ?", 500, third.runId);
    expect((await store.gc({ traces: { keepRuns: 0, before: 1500 } })).traces).toMatchObject({ evaluations: 0 });
  });
});

describe("old databases", () => {
  it("read after the upgrade: results without message hashes or examples, still reused and collected", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-traces-old-"));
    const file = path.join(dir, "dspx.db");
    copyFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/pre-version.db"), file);
    const store = Store.open(file);
    stores.push(store);
    const [link] = sql<{ run_id: string; candidate: string; dataset: string; example_id: string; key: string }>(
      file,
      "SELECT r.run_id, r.candidate, r.dataset, r.example_id, e.key FROM run_results r JOIN evaluations e ON e.id = r.eval_id WHERE e.error IS NULL LIMIT 1",
    );
    const stored = store.traces.result({ runId: link!.run_id, candidate: link!.candidate, dataset: link!.dataset, exampleId: link!.example_id })!;
    expect(stored.row.traced).toBe(true);
    expect(stored.example).toBeNull();
    expect(stored.steps[0]!.calls[0]!.messagesHash).toBeUndefined();
    expect(stored.steps[0]!.calls[0]!.text).toContain("[[ ## ");
    expect(await store.evaluations.lookup(link!.key, { traced: true })).toBeDefined();
    const report = await store.gc({ traces: { keepRuns: 1 } });
    expect(report.traces!.evaluations).toBeGreaterThan(0);
    expect(report.removed.blobs).toBe(0);
  });
});

describe("messageJson", () => {
  it("writes what canonicalJson writes for every shape of message", () => {
    const messages = [
      { role: "system", content: 'quote " and \\ and \n and ☃' },
      { role: "assistant", content: "", toolCalls: [{ name: "lookup", id: "c1", arguments: '{"b":1,"a":2}' }] },
      { role: "tool", content: "{}", toolCallId: "c1" },
    ];
    for (const m of messages) expect(messageJson(m)).toBe(canonicalJson(m));
  });
});
