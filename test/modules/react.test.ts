import { describe, expect, it } from "vitest";
import { reactModule } from "../../src/modules/react.js";
import { PartialStepError } from "../../src/modules/partial-step-error.js";
import { ToolsUnsupportedError } from "../../src/lm/call-error.js";
import type { ModuleRunArgs, StepRuntime } from "../../src/modules/types.js";
import type { AgentLimits } from "../../src/modules/react-loop.js";
import { FINISH_TOOL, type TrajectoryStep } from "../../src/lm/tool-types.js";
import type { LMRequest } from "../../src/lm/types.js";
import type { Demo } from "../../src/program/types.js";
import { parseSignature } from "../../src/signature/parse.js";
import { twoStageStop } from "../../src/util/interrupt.js";
import { InterruptedError, ProviderError } from "../../src/util/errors.js";
import { FakeLM, inTurn, type FakeAnswer } from "../support/fake-lm.js";
import { FakeTools, HANGS, type FakeToolDef } from "../support/fake-tools.js";
import { loadGraph } from "../../src/graph/load.js";
import { agentProgram } from "./fixtures/agent-program.js";
import { brief as briefProblems, problemsOf, writeProgram } from "../program/helpers.js";

const SIG = parseSignature("question -> answer");

const ORDERS: FakeToolDef = {
  name: "lookup_order",
  description: "Look up an order by its id",
  parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] },
  run: (args) => ({ id: args.order_id, status: "shipped" }),
};

/** An act answer in the text protocol. */
function step(tool: string, args: unknown = {}, thought = `use ${tool}`): FakeAnswer {
  return { next_thought: thought, next_tool_name: tool, next_tool_args: args };
}
const answer = (text: string): FakeAnswer => ({ reasoning: "from the trajectory", answer: text });

function run(lm: FakeLM, tools: FakeTools, extra: { limits?: Partial<AgentLimits>; demos?: Demo[]; signal?: AbortSignal } = {}) {
  const runtime: StepRuntime = { lm, temperature: 0, maxTokens: 300, sample: 0, ...(extra.signal ? { signal: extra.signal } : {}) };
  const args: ModuleRunArgs<AgentLimits> = {
    step: "agent",
    signature: SIG,
    prepared: { maxIters: 6, maxObservationChars: 2000, ...extra.limits },
    state: { instruction: "Answer the customer's question.", demos: extra.demos ?? [] },
    inputs: { question: "Where is order A12?" },
    runtime,
    tools,
  };
  return reactModule.run(args);
}

const brief = (t: TrajectoryStep[]) => t.map((s) => [s.tool, s.observation, s.error ?? null]);

describe("react: the step's definition", () => {
  it("takes tools (required, non-empty), max_iters 6 and max_observation_chars 2000 by default", () => {
    expect(reactModule.options.parse({ tools: ["lookup_order"] })).toEqual({ tools: ["lookup_order"], max_iters: 6, max_observation_chars: 2000 });
    expect(reactModule.options.safeParse({}).success).toBe(false);
    expect(reactModule.options.safeParse({ tools: [] }).success).toBe(false);
    expect(reactModule.options.safeParse({ tools: ["a"], max_iters: 0 }).success).toBe(false);
    expect(reactModule.toolRefs!({ tools: ["a", "srv.b"], max_iters: 6, max_observation_chars: 10 })).toEqual(["a", "srv.b"]);
    expect(reactModule.usesLM).toBe(true);
  });

  it("refuses fields named like its protocol", () => {
    expect(reactModule.checkSignature(SIG)).toEqual([]);
    const [problem] = reactModule.checkSignature(parseSignature("question, trajectory -> next_tool_name"));
    expect(problem).toContain("rename `trajectory`, `next_tool_name`");
  });
});

describe("react: the loop (text protocol)", () => {
  it("calls a tool, sees its observation, finishes and extracts the outputs", async () => {
    const lm = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), step("finish"), answer("It shipped.")], { then: "fail" }));
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools);
    expect(out.outputs).toEqual({ answer: "It shipped." });
    expect(tools.calls).toEqual([{ name: "lookup_order", args: { order_id: "A12" } }]);
    expect(brief(out.trajectory!)).toEqual([
      ["lookup_order", '{"id":"A12","status":"shipped"}', null],
      [FINISH_TOOL, "", null],
    ]);
    const first = out.trajectory![0]!;
    expect(first).toMatchObject({ thought: "use lookup_order", args: { order_id: "A12" }, usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 }, lmLatencyMs: 1, toolLatencyMs: 3 });
    expect(out.trajectory![1]!.toolLatencyMs).toBeUndefined();
    expect(out.calls).toHaveLength(3);
    // The second act call sees the first step in its trajectory; the extraction sees both.
    expect(lm.requests[1]!.messages.at(-1)!.content).toContain('tool: lookup_order {"order_id":"A12"}\nobservation: {"id":"A12","status":"shipped"}');
    expect(lm.requests[2]!.meta.signature.outputs.map((f) => f.name)).toEqual(["reasoning", "answer"]);
  });

  it("fills meta.agent on every call: phase, tools, the trajectory so far, max_iters", async () => {
    const lm = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), step("finish"), answer("ok")]));
    await run(lm, new FakeTools([ORDERS]), { limits: { maxIters: 4 } });
    const agents = lm.requests.map((r) => r.meta.agent!);
    expect(agents.map((a) => [a.phase, a.trajectory.length, a.maxIters])).toEqual([["act", 0, 4], ["act", 1, 4], ["extract", 2, 4]]);
    expect(agents[0]!.tools).toEqual([{ name: ORDERS.name, description: ORDERS.description, parameters: ORDERS.parameters }]);
    expect(lm.requests.map((r) => [r.meta.step, r.meta.instruction, r.meta.inputs.question])).toEqual(Array(3).fill(["agent", "Answer the customer's question.", "Where is order A12?"]));
    // The inputs as the call's signature has them: the trajectory as its text.
    expect(lm.requests.map((r) => r.meta.inputs.trajectory)).toEqual([
      "(nothing yet: this is the first step)",
      'step 1\nthought: use lookup_order\ntool: lookup_order {"order_id":"A12"}\nobservation: {"id":"A12","status":"shipped"}',
      'step 1\nthought: use lookup_order\ntool: lookup_order {"order_id":"A12"}\nobservation: {"id":"A12","status":"shipped"}\n\nstep 2\nthought: use finish\ntool: finish',
    ]);
    expect(lm.requests[0]!.meta.signature.outputs.map((f) => f.name)).toEqual(["next_thought", "next_tool_name", "next_tool_args"]);
    expect(lm.requests[0]!.meta.signature.outputs[1]!.type).toEqual({ kind: "enum", options: ["lookup_order", "finish"] });
  });

  it("stops after max_iters tool calls and still extracts the outputs", async () => {
    const lm = new FakeLM((r) => (r.meta.agent?.phase === "extract" ? answer("gave up") : step("lookup_order", { order_id: "A12" })));
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools, { limits: { maxIters: 3 } });
    expect(tools.calls).toHaveLength(3);
    expect(out.trajectory).toHaveLength(3);
    expect(lm.requests.map((r) => r.meta.agent!.phase)).toEqual(["act", "act", "act", "extract"]);
    expect(out.outputs).toEqual({ answer: "gave up" });
  });

  it("turns a tool name that does not exist into an observation that counts as an iteration", async () => {
    const lm = new FakeLM(inTurn([step("find_order", { order_id: "A12" }), step("Lookup_Order", { order_id: "A12" }), step("finish"), answer("ok")]));
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools, { limits: { maxIters: 3 } });
    expect(out.trajectory![0]).toMatchObject({ tool: "find_order", error: 'there is no tool "find_order"; choose one of: lookup_order, finish' });
    expect(out.trajectory![0]!.observation).toBe(out.trajectory![0]!.error);
    expect(out.trajectory![0]!.toolLatencyMs).toBeUndefined();
    // Letter case is forgiven; the unknown name was never sent to the tools.
    expect(tools.calls).toEqual([{ name: "lookup_order", args: { order_id: "A12" } }]);
    expect(lm.requests[1]!.messages.at(-1)!.content).toContain('observation (failed): there is no tool "find_order"');
  });

  it("turns unreadable or non-object arguments into an observation", async () => {
    const lm = new FakeLM(inTurn([step("lookup_order", "{order_id: A12"), step("lookup_order", "[1, 2]"), step("lookup_order", 'sure: {"order_id": "A12"}'), step("finish"), answer("ok")]));
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools);
    expect(brief(out.trajectory!).map((b) => b[2])).toEqual([
      'the arguments could not be read as JSON: "{order_id: A12"',
      "the arguments must be a JSON object, got [1,2]",
      null,
      null,
    ]);
    expect(tools.calls).toEqual([{ name: "lookup_order", args: { order_id: "A12" } }]);
  });

  it("turns arguments the tool's schema refuses into an observation", async () => {
    const tools = new FakeTools([ORDERS]);
    const lm = new FakeLM(inTurn([step("lookup_order", { id: "A12" }), step("finish"), answer("ok")]));
    const out = await run(lm, tools);
    expect(out.trajectory![0]).toMatchObject({ tool: "lookup_order", args: { id: "A12" }, error: "invalid arguments for `lookup_order`: `order_id`: missing" });
    expect(out.trajectory![0]!.observation).toBe(out.trajectory![0]!.error);
    expect(lm.requests[1]!.messages.at(-1)!.content).toContain("observation (failed): invalid arguments for `lookup_order`: `order_id`: missing");
  });

  it("turns an answer without the protocol's fields into an observation, and marks the completion unreadable", async () => {
    const marked: string[] = [];
    const lm = new FakeLM(inTurn(["I think the order shipped.", step("finish"), answer("ok")]));
    Object.assign(lm, { unreadable: (_r: LMRequest, reason: string) => marked.push(reason) });
    const out = await run(lm, new FakeTools([ORDERS]));
    expect(out.trajectory![0]).toMatchObject({ tool: "", error: "the answer was not in the structure asked for; choose one of: lookup_order, finish" });
    expect(out.calls[0]!.parseError).toBe(out.trajectory![0]!.error);
    expect(marked).toEqual([out.trajectory![0]!.error]);
  });

  it("turns a tool's exception and a timeout into observations, and goes on", async () => {
    const tools = new FakeTools([
      { name: "broken", run: () => { throw new Error("database is down"); } },
      { name: "slow", run: () => HANGS },
      ORDERS,
    ]);
    const lm = new FakeLM(inTurn([step("broken"), step("slow"), step("lookup_order", { order_id: "A1" }), step("finish"), answer("ok")]));
    const out = await run(lm, tools);
    expect(brief(out.trajectory!)).toEqual([
      ["broken", "`broken` failed: database is down", "`broken` failed: database is down"],
      ["slow", "`slow` timed out after 30s and was abandoned", "`slow` timed out after 30s and was abandoned"],
      ["lookup_order", '{"id":"A1","status":"shipped"}', null],
      [FINISH_TOOL, "", null],
    ]);
    expect(out.trajectory!.map((s) => s.toolLatencyMs)).toEqual([2, 30_000, 3, undefined]);
  });

  it("survives a tool layer that throws for a tool's failure (it should not), but not a stop", async () => {
    const lm = new FakeLM(inTurn([step("lookup_order", { order_id: "A1" }), step("finish"), answer("ok")]));
    const tools = new FakeTools([ORDERS]);
    tools.call = async () => { throw new TypeError("bad wiring"); };
    const out = await run(lm, tools);
    expect(out.trajectory![0]!.error).toBe("`lookup_order` failed: bad wiring");
    tools.call = async () => { throw new InterruptedError(); };
    await expect(run(new FakeLM(inTurn([step("lookup_order", {})])), tools)).rejects.toBeInstanceOf(InterruptedError);
  });

  it("truncates a long observation to max_observation_chars and says so", async () => {
    const tools = new FakeTools([{ name: "dump", run: () => "x".repeat(50) }]);
    const lm = new FakeLM(inTurn([step("dump"), step("finish"), answer("ok")]));
    const out = await run(lm, tools, { limits: { maxObservationChars: 20 } });
    expect(out.trajectory![0]!.observation).toBe(`${"x".repeat(20)}\n… (truncated: the first 20 of 50 characters)`);
    const short = await run(new FakeLM(inTurn([step("dump"), step("finish"), answer("ok")])), tools, { limits: { maxObservationChars: 50 } });
    expect(short.trajectory![0]!.observation).toBe("x".repeat(50));
  });

  it("marks an observation answered from the store as replayed", async () => {
    const tools = new FakeTools([{ ...ORDERS, replayed: true }]);
    const out = await run(new FakeLM(inTurn([step("lookup_order", { order_id: "A1" }), step("finish"), answer("ok")])), tools);
    expect(out.trajectory![0]!.replayed).toBe(true);
    expect(out.trajectory![1]!.replayed).toBeUndefined();
  });

  it("keeps the trajectory when the extraction cannot be read", async () => {
    const lm = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), step("finish"), "no idea", "still no idea"], { then: "fail" }));
    const err = await run(lm, new FakeTools([ORDERS])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialStepError);
    const partial = err as PartialStepError;
    expect(partial.message).toContain("could not read the LM's answer");
    expect(partial.trajectory!.map((s) => s.tool)).toEqual(["lookup_order", FINISH_TOOL]);
    expect(partial.calls).toHaveLength(4);
    expect(partial.raw).toBe("still no idea");
  });

  it("keeps the trajectory when an LM call fails, but lets a provider failure stop the command", async () => {
    const refused = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), new Error("prompt too long")]));
    const err = (await run(refused, new FakeTools([ORDERS])).catch((e: unknown) => e)) as PartialStepError;
    expect(err).toBeInstanceOf(PartialStepError);
    expect([err.message, err.trajectory!.length, err.calls.length]).toEqual(["prompt too long", 1, 1]);
    const down = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), new ProviderError("fake", "auth", "bad key")]));
    await expect(run(down, new FakeTools([ORDERS]))).rejects.toBeInstanceOf(ProviderError);
  });

  it("honours a stop request between iterations: nothing more is sent", async () => {
    const stop = twoStageStop();
    const tools = new FakeTools([{ ...ORDERS, run: (a) => { stop.stop(); return ORDERS.run(a); } }]);
    const lm = new FakeLM(inTurn([step("lookup_order", { order_id: "A12" }), step("finish"), answer("ok")]));
    await expect(run(lm, tools, { signal: stop.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect([lm.calls, tools.calls.length]).toEqual([1, 1]);
  });

  it("fails clearly without tools", async () => {
    const lm = new FakeLM(inTurn([step("finish")]));
    const args = { step: "agent", signature: SIG, prepared: { maxIters: 6, maxObservationChars: 10 }, state: { instruction: "", demos: [] }, inputs: {}, runtime: { lm, temperature: 0, maxTokens: 10, sample: 0 } };
    await expect(reactModule.run(args)).rejects.toThrow("step agent: a react step ran without its tools");
  });
});

describe("react: native tool calling", () => {
  const native = (answers: ((r: LMRequest) => { text?: string; toolCalls?: { id: string; name: string; arguments: string }[] } | Error)[]) =>
    new FakeLM(
      (r, i) => {
        const a = answers[i]!(r);
        return a instanceof Error ? a : a.text ?? "";
      },
      { toolCalling: true, response: (r, i) => { const a = answers[i]!(r); return a instanceof Error || !a.toolCalls ? {} : { toolCalls: a.toolCalls }; } },
    );

  it("offers the tools and a finish tool, sends the trajectory as tool turns and reads the tool calls", async () => {
    const lm = native([
      () => ({ text: "Look it up.", toolCalls: [{ id: "c1", name: "lookup_order", arguments: '{"order_id":"A12"}' }] }),
      () => ({ text: "", toolCalls: [{ id: "c2", name: "finish", arguments: "{}" }] }),
      () => ({ text: "[[ ## reasoning ## ]]\nshipped\n\n[[ ## answer ## ]]\nIt shipped.\n\n[[ ## completed ## ]]" }),
    ]);
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools);
    expect(out.outputs).toEqual({ answer: "It shipped." });
    expect(tools.calls).toEqual([{ name: "lookup_order", args: { order_id: "A12" } }]);
    const [first, second, extract] = lm.requests;
    expect(first!.tools!.map((t) => t.name)).toEqual(["lookup_order", "finish"]);
    expect(first!.toolChoice).toBe("required");
    expect(second!.messages.slice(-2)).toEqual([
      { role: "assistant", content: "Look it up.", toolCalls: [{ id: "c1", name: "lookup_order", arguments: '{"order_id":"A12"}' }] },
      { role: "tool", toolCallId: "c1", content: '{"id":"A12","status":"shipped"}' },
    ]);
    expect(extract!.tools).toBeUndefined();
    expect(extract!.meta.agent!.phase).toBe("extract");
    expect(out.calls[0]!.toolCalls).toEqual([{ id: "c1", name: "lookup_order", arguments: '{"order_id":"A12"}' }]);
    expect(out.trajectory![0]).toMatchObject({ thought: "Look it up.", tool: "lookup_order", args: { order_id: "A12" } });
  });

  it("turns a reply without a tool call, or with a bad name or arguments, into observations", async () => {
    const lm = native([
      () => ({ text: "I will just answer." }),
      () => ({ toolCalls: [{ id: "c2", name: "nope", arguments: "{}" }] }),
      () => ({ toolCalls: [{ id: "c3", name: "lookup_order", arguments: "{not json" }] }),
      () => ({ toolCalls: [{ id: "c4", name: "finish", arguments: "" }] }),
      () => ({ text: "[[ ## reasoning ## ]]\nx\n\n[[ ## answer ## ]]\ny" }),
    ]);
    const out = await run(lm, new FakeTools([ORDERS]));
    expect(out.trajectory!.map((s) => s.error ?? null)).toEqual([
      "no tool was called; call one of: lookup_order, finish",
      'there is no tool "nope"; choose one of: lookup_order, finish',
      'the arguments could not be read as JSON: "{not json"',
      null,
    ]);
    // A reply with no call is replayed as text plus what was wrong; bad calls as calls with their result.
    expect(lm.requests[3]!.messages.slice(2)).toEqual([
      { role: "assistant", content: "I will just answer." },
      { role: "user", content: "no tool was called; call one of: lookup_order, finish" },
      // A call of a tool not offered goes back as text (a provider may refuse it in the history).
      { role: "assistant", content: "nope {}" },
      { role: "user", content: 'there is no tool "nope"; choose one of: lookup_order, finish' },
      { role: "assistant", content: "", toolCalls: [{ id: "c3", name: "lookup_order", arguments: "{}" }] },
      { role: "tool", toolCallId: "c3", content: 'the arguments could not be read as JSON: "{not json"' },
    ]);
  });

  it("falls back to the text protocol when the server rejects tools, for that client from then on", async () => {
    const rejected = new ToolsUnsupportedError("llama3 does not support tools", { status: 400 });
    const lm = new FakeLM(
      (r, i) => (r.tools ? rejected : [step("lookup_order", { order_id: "A12" }), step("finish"), answer("ok"), step("finish"), answer("again")][i - 1]!),
      { toolCalling: true },
    );
    const tools = new FakeTools([ORDERS]);
    const out = await run(lm, tools);
    expect(out.outputs).toEqual({ answer: "ok" });
    expect(lm.requests.map((r) => (r.tools ? "native" : r.meta.agent!.phase))).toEqual(["native", "act", "act", "extract"]);
    // The rejected attempt made no record; the iteration was retried, not counted twice.
    expect([out.calls.length, out.trajectory!.length, tools.calls.length]).toEqual([3, 2, 1]);
    await run(lm, tools);
    expect(lm.requests.slice(4).some((r) => r.tools)).toBe(false);
  });
});

describe("react: demos are whole trajectories", () => {
  const DEMO: Demo = {
    question: "Has B7 shipped?",
    answer: "Yes.",
    trajectory: [
      { thought: "Look up B7.", tool: "lookup_order", args: { order_id: "B7" }, observation: '{"status":"shipped"}' },
      { thought: "Done.", tool: "finish", args: {}, observation: "" },
    ],
  };

  it("renders a demo's trajectory as demo turns of the act call, and its outputs in the extraction's", async () => {
    const lm = new FakeLM(inTurn([step("finish"), answer("ok")]));
    await run(lm, new FakeTools([ORDERS]), { demos: [DEMO] });
    const [actCall, extractCall] = lm.requests;
    expect(actCall!.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(actCall!.messages[1]!.content).toBe('[[ ## question ## ]]\nHas B7 shipped?\n\n[[ ## trajectory ## ]]\nstep 1\nthought: Look up B7.\ntool: lookup_order {"order_id":"B7"}\nobservation: {"status":"shipped"}');
    expect(actCall!.messages[2]!.content).toBe("[[ ## next_thought ## ]]\nDone.\n\n[[ ## next_tool_name ## ]]\nfinish\n\n[[ ## next_tool_args ## ]]\n{}\n\n[[ ## completed ## ]]");
    // sim reads the structured demos from meta.
    expect(actCall!.meta.demos).toEqual([DEMO]);
    expect(extractCall!.messages[2]!.content).toBe("[[ ## answer ## ]]\nYes.\n\n[[ ## completed ## ]]");
    expect(extractCall!.messages[1]!.content).toContain("step 2\nthought: Done.\ntool: finish");
  });

  it("treats a demo whose trajectory is not one as a labeled demo (extraction only)", async () => {
    const lm = new FakeLM(inTurn([step("finish"), answer("ok")]));
    await run(lm, new FakeTools([ORDERS]), { demos: [{ ...DEMO, trajectory: "not a list" }] });
    expect(lm.requests[0]!.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(lm.requests[1]!.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });
});

describe("react: in a program file", () => {
  const program = (demos: string) => agentProgram(`    max_iters: 3\n${demos}`);

  it("compiles, with demos that carry a trajectory", async () => {
    const graph = await loadGraph(writeProgram(program(`    demos:
      - question: Has B7 shipped?
        answer: "Yes."
        trajectory:
          - { thought: Look it up., tool: lookup_order, args: { order_id: B7 }, observation: shipped }
          - { thought: Done., tool: finish, args: {}, observation: "" }
`)));
    const agent = graph.steps[0]!;
    expect([agent.module.name, agent.prepared, graph.lmSteps]).toEqual(["react", { maxIters: 3, maxObservationChars: 2000 }, ["agent"]]);
    expect((agent.spec.demos[0]!.trajectory as unknown[]).length).toBe(2);
  });

  it("reports a demo trajectory that is not one at its line and column", async () => {
    const problems = await problemsOf(loadGraph(writeProgram(program(`    demos:
      - question: Has B7 shipped?
        answer: "Yes."
        trajectory:
          - { thought: Look it up., tool: lookup_order, observation: shipped }
`))));
    expect(briefProblems(problems)).toEqual(["16:13 missing `args` in `steps.agent.demos[0].trajectory[0]`"]);
  });
});
