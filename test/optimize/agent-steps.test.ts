import { describe, expect, it } from "vitest";
import type { ExampleResult } from "../../src/evaluate/types.js";
import type { StepTrace } from "../../src/graph/trace.js";
import type { CompiledStep, Graph } from "../../src/graph/types.js";
import type { TrajectoryStep } from "../../src/lm/tool-types.js";
import { ZERO_USAGE, type LMRequest } from "../../src/lm/types.js";
import { labeledDemo, tracedDemos } from "../../src/optimize/demos.js";
import { stepRecords } from "../../src/optimize/feedback.js";
import { bootstrap } from "../../src/optimize/optimizers/bootstrap.js";
import { bootstrapSettings } from "../../src/optimize/optimizers/bootstrap/settings.js";
import { labeled } from "../../src/optimize/optimizers/labeled.js";
import { labeledSettings } from "../../src/optimize/optimizers/labeled-settings.js";
import { proposeInstruction } from "../../src/optimize/propose.js";
import type { Example } from "../../src/program/example.js";
import type { Program } from "../../src/runtime/program.js";
import { FakeLM } from "../support/fake-lm.js";
import { optimizerContext, scoreBaseline } from "../support/optimizer-context.js";
import { runToEnd, tempDir } from "./bootstrap-helpers.js";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { loadProgram } from "../../src/runtime/load.js";

/*
 * A support program whose `support` step calls tools, with a `function` step after it (`tidy`)
 * and one before it (`account`, whose output the agent reads). The modules are the real predict
 * module under other names: what optimizers go by is that the step calls tools (toolRefs) and that
 * function steps use no LM.
 */
const PROGRAM = `
name: agent-units
inputs:
  question: { type: string }
outputs:
  answer: support.answer
  reply: tidy.reply
steps:
  account:
    module: predict
    signature: "question -> profile"
  support:
    module: predict
    signature: "question, profile -> answer"
    instruction: Answer with the tools.
  tidy:
    module: predict
    signature: "answer -> reply"
metric:
  module: ./metric.ts
`;

async function agentProgram(): Promise<Program> {
  const dir = tempDir("dspx-agent-units-");
  writeFileSync(path.join(dir, "program.yaml"), PROGRAM);
  writeFileSync(path.join(dir, "metric.ts"), "export default () => 1;\n");
  const program = await loadProgram(path.join(dir, "program.yaml"), { lm: "sim", onNotice: () => {} });
  const graph = program.graph;
  const as = (name: string, patch: (s: CompiledStep) => CompiledStep) => {
    graph.steps = graph.steps.map((s) => (s.name === name ? patch(s) : s));
  };
  as("support", (s) => ({ ...s, module: { ...s.module, name: "react", toolRefs: () => ["lookup_order"] } }));
  for (const fn of ["account", "tidy"]) as(fn, (s) => ({ ...s, module: { ...s.module, name: "function", usesLM: false } }));
  (graph as { lmSteps: string[] }).lmSteps = ["support"];
  program.state.steps = { support: program.state.steps["support"]! };
  return program;
}

const LONG = JSON.stringify({ order_id: "A1042", status: "shipped", note: "x".repeat(2000) });
const TRAJECTORY: TrajectoryStep[] = [
  { thought: "The question names an order.", tool: "lookup_order", args: { order_id: "A1042" }, observation: LONG, usage: { promptTokens: 50, completionTokens: 9, cachedTokens: 0 }, lmLatencyMs: 3, toolLatencyMs: 1 },
  { thought: "Done.", tool: "finish", args: {}, observation: "" },
];

function example(i: number): Example {
  return {
    id: `q${i}`,
    inputs: { question: `Where is order A10${40 + i}?` },
    labels: { answer: "shipped", trajectory: [{ tool: "lookup_order", args: { order_id: `A10${40 + i}` } }] },
  };
}

function result(e: Example, index: number, score: number, trajectory: TrajectoryStep[] = TRAJECTORY): ExampleResult {
  const trace: StepTrace[] = [
    { step: "account", module: "function", inputs: { question: e.inputs["question"] }, outputs: { profile: "tier: Summit" }, calls: [], latencyMs: 0 },
    { step: "support", module: "react", inputs: { question: e.inputs["question"], profile: "tier: Summit" }, outputs: { answer: `status: shipped (${e.id})` }, calls: [], trajectory, latencyMs: 0 },
    { step: "tidy", module: "function", inputs: { answer: "status: shipped" }, outputs: { reply: `Your order has shipped (${e.id}).` }, calls: [], latencyMs: 0 },
  ];
  return { exampleId: e.id, index, score, trace, usage: ZERO_USAGE, costUsd: 0, calls: 2, cachedCalls: 0, latencyMs: 0, nominal: { calls: 2, costUsd: 0 } };
}

describe("feedback records of an agent step", () => {
  it("carry the trajectory (observations cut, no tokens or times) and the outputs of function steps it does not read", async () => {
    const program = await agentProgram();
    const e = example(1);
    const [record] = stepRecords(program.graph, [result(e, 0, 0)], new Map([[e.id, e]]), "support");
    expect(record!.trajectory).toHaveLength(2);
    expect(record!.trajectory![0]).toEqual({ thought: "The question names an order.", tool: "lookup_order", args: { order_id: "A1042" }, observation: expect.stringMatching(/^\{"order_id":"A1042","status":"shipped".*…$/) });
    expect(record!.trajectory![0]!.observation.length).toBeLessThanOrEqual(400);
    expect(record!.functionOutputs).toEqual({ tidy: { reply: "Your order has shipped (q1)." } });
    expect(record!.inputs).toEqual({ question: "Where is order A1041?", profile: "tier: Summit" });
  });

  it("are shown to a reflection LM: the calls, what came back, the code steps' outputs, and what to learn from them", async () => {
    const program = await agentProgram();
    const e = example(1);
    const records = stepRecords(program.graph, [result(e, 0, 0)], new Map([[e.id, e]]), "support");
    const lm = new FakeLM(() => "[[ ## new_instruction ## ]]\nUse lookup_order for order questions.\n\n[[ ## completed ## ]]");
    const support = program.graph.steps.find((s) => s.name === "support")!;
    const { proposal } = await proposeInstruction(lm, { step: "support", signature: support.signature, instruction: "Answer with the tools.", records, purpose: "reflect", sample: 0 });
    expect(proposal).toEqual({ ok: true, instruction: "Use lookup_order for order questions." });
    const text = (lm.requests[0] as LMRequest).messages.map((m) => m.content).join("\n");
    expect(text).toContain('called lookup_order({"order_id":"A1042"}) → returned: {"order_id":"A1042"');
    expect(text).toContain("tidy.reply: Your order has shipped (q1).");
    expect(text).toContain("their descriptions stay as they are");
    expect(lm.requests[0]!.meta.target!.records[0]!.trajectory![0]!.tool).toBe("lookup_order");
  });
});

describe("demos of an agent step are whole trajectories", () => {
  it("a traced demo keeps the trajectory of the passing run, without tokens and times", async () => {
    const program = await agentProgram();
    const demos = tracedDemos(program.graph, result(example(1), 0, 1));
    expect([...demos.keys()]).toEqual(["support"]);
    expect(demos.get("support")!["trajectory"]).toEqual(TRAJECTORY.map(({ thought, tool, args, observation }) => ({ thought, tool, args, observation })));
    expect(demos.get("support")!["answer"]).toBe("status: shipped (q1)");
  });

  it("a labeled demo takes the dataset's gold trajectory (finish added), and none from a column that is not one", async () => {
    const program = await agentProgram();
    const demo = labeledDemo(program.graph, "support", example(2))!;
    expect(demo["trajectory"]).toEqual([
      { thought: "", tool: "lookup_order", args: { order_id: "A1042" }, observation: "" },
      { thought: "", tool: "finish", args: {}, observation: "" },
    ]);
    const bad = labeledDemo(program.graph, "support", { ...example(3), labels: { answer: "shipped", trajectory: "lookup_order" } })!;
    expect(bad).not.toHaveProperty("trajectory");
    expect(bad["answer"]).toBe("shipped");
  });

  it("labeled puts gold trajectories in the candidate it scores", async () => {
    const program = await agentProgram();
    const train = [0, 1, 2].map(example);
    const { ctx, log } = optimizerContext({ graph: program.graph, baseline: program.state, train, dev: [example(9)], settings: labeledSettings.parse({ k: 2 }) });
    await runToEnd(labeled, ctx, await scoreBaseline(ctx));
    const demos = log.evaluations.at(-1)!.state.steps["support"]!.demos;
    expect(demos).toHaveLength(2);
    for (const d of demos) expect((d["trajectory"] as TrajectoryStep[]).map((s) => s.tool)).toEqual(["lookup_order", "finish"]);
  });

  it("bootstrap keeps the trajectories of passing teacher traces as demos, and skips function steps", async () => {
    const program = await agentProgram();
    const train = [0, 1, 2, 3].map(example);
    const { ctx, log } = optimizerContext({
      graph: program.graph,
      baseline: program.state,
      train,
      dev: [example(9)],
      settings: bootstrapSettings.parse({ max_bootstrapped: 2, max_labeled: 2 }),
      teacher: (e, i) => result(e, i, e.id === "q0" ? 0 : 1),
    });
    await runToEnd(bootstrap, ctx, await scoreBaseline(ctx));
    const state = log.evaluations.at(-1)!.state;
    expect(Object.keys(state.steps)).toEqual(["support"]);
    const demos = state.steps["support"]!.demos;
    // Two traced demos (the teacher's order is seeded), never from q0, which failed.
    expect(demos).toHaveLength(2);
    for (const d of demos) expect(d["answer"]).toMatch(/^status: shipped \(q[123]\)$/);
    for (const d of demos) expect((d["trajectory"] as TrajectoryStep[])[0]!.observation).toBe(LONG);
  });
});
