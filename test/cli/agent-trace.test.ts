import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Chalk } from "chalk";
import { showCommand } from "../../src/cli/commands/show.js";
import { traceLines } from "../../src/cli/render/trace.js";
import { storedTrajectories, trajectoryLines } from "../../src/cli/render/trajectory.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { beginEvalRun } from "../../src/evaluate/eval-run.js";
import { executeGraph, StepFailure } from "../../src/graph/execute.js";
import { LMPool } from "../../src/lm/pool.js";
import type { LMRequest } from "../../src/lm/types.js";
import type { Example } from "../../src/program/example.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { Store } from "../../src/store/store.js";
import { runInProcess } from "../support/command.js";
import { FakeLM } from "../support/fake-lm.js";
import { FakeTools } from "../support/fake-tools.js";
import { EVAL_CONFIG } from "../support/run-configs.js";
import { agentProgram } from "../modules/fixtures/agent-program.js";

/**
 * An agent step's trajectory in traces: stored with the evaluation results, read back with a
 * schema, and shown by `dspx show` (and `run --verbose`, through the same lines) — also when the
 * step failed part-way.
 */

const PROGRAM = agentProgram();

const EXAMPLES: Example[] = [
  { id: "ok", inputs: { question: "Where is A1?" }, labels: { answer: "shipped" } },
  { id: "wrong", inputs: { question: "Where is A2?" }, labels: { answer: "delivered" } },
  { id: "broken", inputs: { question: "Where is A3? garbage" }, labels: { answer: "shipped" } },
];

/** Looks the order up, finishes, and answers the status (or, for a garbage question, nothing readable). */
function agentLM(): FakeLM {
  return new FakeLM((r: LMRequest) => {
    const question = String(r.meta.inputs.question);
    const done = r.meta.agent!.trajectory.length;
    if (r.meta.agent!.phase === "extract") return question.includes("garbage") ? "no idea" : { reasoning: "from the lookup", answer: "shipped" };
    const id = /A\d/.exec(question)![0];
    return done === 0 ? { next_thought: `Look up ${id}.`, next_tool_name: "lookup_order", next_tool_args: { order_id: id } } : { next_thought: "Done.", next_tool_name: "finish", next_tool_args: {} };
  });
}

const tools = () => new FakeTools([{ name: "lookup_order", run: (a) => ({ id: a.order_id, status: "shipped" }) }]);

let dir: string;
let program: Program;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-agent-trace-"));
  await writeFile(path.join(dir, "agent.yaml"), PROGRAM);
  const pool = new LMPool({ override: "sim", cache: false });
  const lm = agentLM();
  pool.clientFor = () => lm;
  program = await loadProgram(path.join(dir, "agent.yaml"), { pool });
});

/** Evaluates the agent over the examples into a new database; returns its file and the run id. */
async function evalRun(): Promise<{ db: string; runId: string; toolCalls: number | undefined }> {
  const db = path.join(dir, `${Math.random().toString(36).slice(2)}.db`);
  const store = Store.open(db);
  const run = await beginEvalRun(store, program, { dataset: "dev", config: EVAL_CONFIG });
  const report = await evaluate({
    graph: program.graph,
    state: program.state,
    examples: EXAMPLES,
    metric: await program.metric(),
    exec: { lmFor: program.lmFor, toolsFor: () => tools() },
    metricContext: program.metricContext(),
    concurrency: 1,
    memo: run.memo,
  });
  run.finish({ report });
  await store.close();
  return { db, runId: run.runId, toolCalls: report.summary.toolCalls };
}

describe("agent trajectories in traces", () => {
  it("are stored with the evaluation results, a failed step's partial trajectory too", async () => {
    const { db, runId } = await evalRun();
    const store = Store.open(db);
    try {
      const rows = store.evaluations.results(runId);
      const byId = Object.fromEntries(rows.map((r) => [r.exampleId, r]));
      const [ok] = storedTrajectories(byId.ok!.trace);
      expect(ok!.step).toBe("agent");
      expect(ok!.trajectory.map((s) => [s.tool, s.args, s.observation])).toEqual([
        ["lookup_order", { order_id: "A1" }, '{"id":"A1","status":"shipped"}'],
        ["finish", {}, ""],
      ]);
      expect(ok!.trajectory[0]).toMatchObject({ thought: "Look up A1.", usage: { promptTokens: 10, completionTokens: 5 }, lmLatencyMs: 1, toolLatencyMs: 3 });
      // The extraction could not be read: the example failed, and what the agent did is kept.
      expect(byId.broken!.error).toMatchObject({ kind: "step", step: "agent" });
      expect(storedTrajectories(byId.broken!.trace)[0]!.trajectory.map((s) => s.tool)).toEqual(["lookup_order", "finish"]);
    } finally {
      await store.close();
    }
  });

  it("are shown by `dspx show` for the lowest-scoring examples, and in its JSON", async () => {
    const { db, runId, toolCalls } = await evalRun();
    const text = await runInProcess((ctx) => showCommand(runId, { db }, ctx));
    expect(text.code).toBe(0);
    // One lookup per example, in the summary and in the run's recorded totals.
    expect(toolCalls).toBe(3);
    expect(text.stdout).toMatch(/^totals {3}3 examples · 1 error · 10 calls · 3 tool calls · /m);
    const shown = text.stdout.slice(text.stdout.indexOf("their agent steps"));
    expect(shown.split("\n").slice(0, 9)).toEqual([
      "their agent steps",
      "example wrong step agent",
      '  1. lookup_order {"order_id":"A2"} · 10+5 tokens · lm 1ms · tool 3ms',
      "     thought Look up A2.",
      '     →       {"id":"A2","status":"shipped"}',
      "  2. finish · 10+5 tokens · lm 1ms",
      "     thought Done.",
      "example broken step agent",
      '  1. lookup_order {"order_id":"A3"} · 10+5 tokens · lm 1ms · tool 3ms',
    ]);
    expect(shown).not.toContain("example ok");
    const json = JSON.parse((await runInProcess((ctx) => showCommand(runId, { db, json: true }, ctx), { json: true })).stdout);
    const results = Object.fromEntries(json.results.map((r: { id: string }) => [r.id, r]));
    expect(results.wrong.trajectories.agent.map((s: { tool: string }) => s.tool)).toEqual(["lookup_order", "finish"]);
  });

  it("are shown by `run --verbose`: each iteration, then the outputs; a failed step's iterations and its error", async () => {
    const c = new Chalk({ level: 0 });
    const ctx = { lmFor: program.lmFor, toolsFor: () => tools() };
    const prediction = await executeGraph(program.graph, program.state, { question: "Where is A1?" }, ctx);
    const lines = traceLines(prediction.trace, c);
    expect(lines[0]).toMatch(/^\[agent\] react \d+ms, 3 LM calls, 2 iterations$/);
    expect(lines.slice(1)).toEqual([
      '  1. lookup_order {"order_id":"A1"} · 10+5 tokens · lm 1ms · tool 3ms',
      "     thought Look up A1.",
      '     →       {"id":"A1","status":"shipped"}',
      "  2. finish · 10+5 tokens · lm 1ms",
      "     thought Done.",
      "  answer: shipped",
    ]);
    const failure = await executeGraph(program.graph, program.state, { question: "Where is A3? garbage" }, ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepFailure);
    const failed = traceLines((failure as StepFailure).trace, c);
    expect(failed).toContain("     thought Look up A3.");
    expect(failed.at(-1)).toMatch(/^  error: could not read the LM's answer/);
  });

  it("show an error, a replayed result and text that would garble a terminal, on one line each", () => {
    const lines = trajectoryLines(
      [
        { thought: "try\nthis", tool: "nope", args: {}, observation: "there is no tool", error: 'there is no tool "nope"' },
        { thought: "", tool: "lookup_order", args: { order_id: "A1" }, observation: "ok\u001b[2J\r\nnext", replayed: true, toolLatencyMs: 0 },
      ],
      new Chalk({ level: 0 }),
    );
    expect(lines).toEqual([
      "  1. nope {}",
      "     thought try this",
      '     error   there is no tool "nope"',
      '  2. lookup_order {"order_id":"A1"} · tool 0ms · replayed',
      "     →       ok[2J next",
    ]);
  });
});
