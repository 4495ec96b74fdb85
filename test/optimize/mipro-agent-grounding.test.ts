import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ExampleResult } from "../../src/evaluate/types.js";
import type { TrajectoryStep } from "../../src/lm/tool-types.js";
import { ZERO_USAGE, type Grounding, type LMRequest } from "../../src/lm/types.js";
import { mipro } from "../../src/optimize/optimizers/mipro/mipro.js";
import { proposeInstruction } from "../../src/optimize/propose.js";
import type { ProposeArgs } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { FakeLM } from "../support/fake-lm.js";
import { optimizerContext, scoreBaseline } from "../support/optimizer-context.js";
import { AGENT_TOOL_FILES, agentProgram } from "../modules/fixtures/agent-program.js";
import { examples as plainExamples, oneStepProgram, teacherResult, tempDir } from "./bootstrap-helpers.js";

/*
 * mipro's grounded proposals for an agent (react) step are shown the step's tools and how the
 * teacher used them on train: which tools each question got, with what, and whether it passed.
 */

async function agent(): Promise<Program> {
  const dir = tempDir("dspx-mipro-agent-");
  writeFileSync(path.join(dir, "program.yaml"), agentProgram());
  for (const [name, text] of Object.entries(AGENT_TOOL_FILES)) writeFileSync(path.join(dir, name), text);
  return loadProgram(path.join(dir, "program.yaml"), { lm: "sim", onNotice: () => {} });
}

const QUESTIONS = ["Where is order A1040?", "Has A1041 shipped?", "Which carrier has A1042?", "Is A1043 late?", "When is support open?", "Where is order A1045?"];
const train: Example[] = QUESTIONS.map((question, i) => ({ id: `t${i}`, inputs: { question }, labels: { answer: "shipped" } }));

/** The teacher: every question with an id calls lookup_order; odd examples pass. */
function teacher(e: Example, index: number): ExampleResult {
  const question = String(e.inputs["question"]);
  const id = /A\d+/.exec(question)?.[0];
  const trajectory: TrajectoryStep[] = [
    ...(id ? [{ thought: "An order.", tool: "lookup_order", args: { order_id: id }, observation: '{"status":"shipped"}' }] : []),
    { thought: "Done.", tool: "finish", args: {}, observation: "" },
  ];
  return {
    exampleId: e.id,
    index,
    score: index % 2,
    trace: [{ step: "agent", module: "react", inputs: { question }, outputs: { answer: `shipped (${e.id})` }, calls: [], trajectory, latencyMs: 0 }],
    usage: ZERO_USAGE,
    costUsd: 0,
    calls: 2,
    cachedCalls: 0,
    latencyMs: 0,
    nominal: { calls: 2, costUsd: 0 },
  };
}

async function proposalsOf(program: Program, teach: (e: Example, i: number, sample: number) => ExampleResult, trainset: Example[]): Promise<ProposeArgs[]> {
  const asked: ProposeArgs[] = [];
  const { ctx } = optimizerContext({
    graph: program.graph,
    baseline: program.state,
    train: trainset,
    dev: trainset,
    settings: mipro.settings.parse({ candidates: 3, trials: 2 }),
    rng: 1,
    teacher: teach,
    summarize: (a) => (a.kind === "program" ? "PROGRAM" : "DATASET"),
    propose: (a) => {
      asked.push(a);
      return `${a.instruction} #${a.sample}`;
    },
  });
  let state = await mipro.init(ctx, await scoreBaseline(ctx));
  for (let i = 0; i < 100 && state.phase !== "search"; i++) state = (await mipro.step(ctx, state)).state;
  return asked;
}

describe("mipro's proposals for an agent step", () => {
  it("show the step's tools and the teacher's tool calls on train, passed or not, in train order", async () => {
    const asked = await proposalsOf(await agent(), teacher, train);
    expect(asked.length).toBe(2);
    for (const a of asked) {
      const g = a.grounding!.agent!;
      expect(g.tools).toEqual([
        {
          name: "lookup_order",
          description: "Look up an order by its id",
          parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, such as A123" } }, required: ["order_id"] },
        },
      ]);
      expect(g.uses).toHaveLength(QUESTIONS.length);
      // Only what the step read is shown of a passing demo (not its answer); failed runs keep their calls.
      expect(g.uses.map((u) => [u.inputs, u.calls.map((c) => `${c.tool} ${JSON.stringify(c.args)}`), u.passed])).toEqual(
        train.slice(0, g.uses.length).map((e, i) => {
          const id = /A\d+/.exec(String(e.inputs["question"]))?.[0];
          return [{ question: e.inputs["question"] }, id ? [`lookup_order {"order_id":"${id}"}`] : [], i % 2 === 1];
        }),
      );
      expect(g.uses.some((u) => u.passed) && g.uses.some((u) => !u.passed)).toBe(true);
    }
  });

  it("of a step without tools show none", async () => {
    const program = await oneStepProgram();
    const asked = await proposalsOf(program, (e, i, sample) => teacherResult(program, e, i, sample, { score: i % 2 }), plainExamples(12));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((a) => a.grounding !== undefined && a.grounding.agent === undefined)).toBe(true);
  });
});

describe("the grounded proposal request for an agent step", () => {
  const grounding: Grounding = {
    program: "PROGRAM",
    dataset: "DATASET",
    tip: "none",
    agent: {
      tools: [
        {
          name: "lookup_order",
          description: "Look up an order by its id",
          parameters: { type: "object", properties: { order_id: { type: "string", description: "The order id, such as A123" } }, required: ["order_id"] },
        },
        { name: "find_policy", description: "A shop policy", parameters: { type: "object", properties: { topic: { type: "string", enum: ["returns", "shipping"] } } } },
      ],
      uses: [
        { inputs: { question: "Where is A1040?" }, calls: [{ tool: "lookup_order", args: { order_id: "A1040" } }], passed: true },
        { inputs: { question: "Can I return it?" }, calls: [], passed: false },
      ],
    },
  };
  const answer = () => "[[ ## new_instruction ## ]]\nUse lookup_order for order questions.\n\n[[ ## completed ## ]]";
  const ask = async (g: Grounding) => {
    const lm = new FakeLM(answer);
    const { proposal } = await proposeInstruction(lm, { step: "agent", signature: { inputs: [{ name: "question", type: { kind: "string" }, typed: true }], outputs: [{ name: "answer", type: { kind: "string" }, typed: true }] }, instruction: "Answer.", records: [], purpose: "propose_instruction", sample: 1, grounding: g });
    expect(proposal).toEqual({ ok: true, instruction: "Use lookup_order for order questions." });
    return lm.requests[0] as LMRequest;
  };

  it("names every tool with its arguments and description, and lists the runs with their calls and verdicts", async () => {
    const req = await ask(grounding);
    const text = req.messages.map((m) => m.content).join("\n");
    expect(text).toContain("- lookup_order(order_id: string, required — The order id, such as A123): Look up an order by its id");
    expect(text).toContain('- find_policy(topic: one of "returns" | "shipping"): A shop policy');
    expect(text).toContain('1. question: Where is A1040? → lookup_order({"order_id":"A1040"}) · passed');
    expect(text).toContain("2. question: Can I return it? → no tool · failed");
    expect(text).toContain("which tool answers which kind of question");
    expect(req.meta.signature.inputs.map((f) => f.name)).toEqual(["program_summary", "dataset_summary", "tools", "tool_use", "current_instruction", "task", "examples", "tip"]);
    expect(req.meta.target!.grounding!.agent).toEqual(grounding.agent);
  });

  it("is the plain grounded request for a step without tools", async () => {
    const { agent: _agent, ...plain } = grounding;
    const req = await ask(plain);
    expect(req.meta.signature.inputs.map((f) => f.name)).toEqual(["program_summary", "dataset_summary", "current_instruction", "task", "examples", "tip"]);
    expect(req.messages.map((m) => m.content).join("\n")).not.toContain("lookup_order(");
  });
});
