import path from "node:path";
import { describe, expect, it } from "vitest";
import { executeGraph, isFatal, StepFailure, type ExecContext } from "../../src/graph/execute.js";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import type { LMClient, LMRequest } from "../../src/lm/types.js";
import { initialState } from "../../src/program/state.js";
import { InterruptedError, ProviderError } from "../../src/util/errors.js";
import { writeProgram } from "../program/helpers.js";
import { FakeLM, requestsOf } from "../support/fake-lm.js";

const CORPUS = path.resolve("test/modules/fixtures/corpus.jsonl");

/** Two independent LM steps feeding a third; a retrieve step feeding the first. */
const FAN_IN = `name: fan-in
inputs:
  question: string
outputs:
  answer: combine.answer
  topic: classify.topic
steps:
  search:
    module: retrieve
    signature: "question -> passages: list[string]"
    corpus: ${CORPUS}
    k: 1
  classify:
    signature: "question -> topic: enum(art, travel, food)"
    instruction: Name the topic.
  extract:
    module: chain_of_thought
    signature: "question, passages -> facts: list[string]"
  combine:
    signature: "topic, facts -> answer"
metric:
  exact_match: answer
`;

async function fanIn(): Promise<Graph> {
  return loadGraph(writeProgram(FAN_IN));
}

function ctx(lm: LMClient, extra: Partial<ExecContext> = {}): ExecContext {
  return { lmFor: () => lm, ...extra };
}

/** Answers every step of FAN_IN sensibly, from what the request carries. */
function answerFanIn(request: LMRequest): Record<string, unknown> {
  const { step, inputs } = request.meta;
  if (step === "classify") return { topic: "Travel." };
  if (step === "extract") return { reasoning: "The passage says so.", facts: `- ${(inputs.passages as string[])[0]}\n- it is in Paris` };
  if (step === "combine") return { answer: `${inputs.topic}: ${(inputs.facts as string[]).join(" | ")}` };
  throw new Error(`unexpected step ${step}`);
}

describe("executeGraph", () => {
  it("runs every step and returns the program's outputs with a trace in graph order", async () => {
    const graph = await fanIn();
    const lm = new FakeLM(answerFanIn);
    const q = "When was the Eiffel Tower built?";
    const prediction = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: q }, ctx(lm));
    const passage = "The Eiffel Tower was built between 1887 and 1889 as the entrance arch to the World's Fair in Paris.";
    expect(prediction.outputs).toEqual({
      answer: `travel: ${passage} | it is in Paris`,
      topic: "travel",
    });
    expect(prediction.trace.map((t) => [t.step, t.module, t.inputs, t.outputs, t.calls.length, t.error])).toEqual([
      ["search", "retrieve", { question: q }, { passages: [passage] }, 0, undefined],
      ["classify", "predict", { question: q }, { topic: "travel" }, 1, undefined],
      [
        "extract",
        "chain_of_thought",
        { question: q, passages: [passage] },
        { reasoning: "The passage says so.", facts: [passage, "it is in Paris"] },
        1,
        undefined,
      ],
      ["combine", "predict", { topic: "travel", facts: [passage, "it is in Paris"] }, { answer: `travel: ${passage} | it is in Paris` }, 1, undefined],
    ]);
  });

  it("gives a dependent step its producer's coerced output, and each LM step its instruction and signature", async () => {
    const graph = await fanIn();
    const lm = new FakeLM(answerFanIn);
    await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "Eiffel Tower?" }, ctx(lm));
    const [combine] = requestsOf(lm, "combine");
    expect(combine!.meta.inputs).toEqual({ topic: "travel", facts: expect.any(Array) });
    expect(combine!.meta.signature.inputs.map((f) => [f.name, f.type])).toEqual([
      ["topic", { kind: "enum", options: ["art", "travel", "food"] }],
      ["facts", { kind: "list", item: { kind: "string" } }],
    ]);
    expect(requestsOf(lm, "classify")[0]!.meta.instruction).toBe("Name the topic.");
    expect(requestsOf(lm, "extract")[0]!.meta.signature.outputs.map((f) => f.name)).toEqual(["reasoning", "facts"]);
  });

  it("uses the candidate state's instruction and demos, and the context's sampling settings", async () => {
    const graph = await fanIn();
    const lm = new FakeLM(answerFanIn);
    const state = initialState(graph.spec, graph.lmSteps);
    state.steps.classify = { instruction: "Pick the topic carefully.", demos: [{ question: "Best croissant?", topic: "food" }] };
    await executeGraph(graph, state, { question: "Eiffel?" }, ctx(lm, { sample: 2, temperature: 0.7 }));
    const classify = requestsOf(lm, "classify")[0]!;
    expect(classify.meta.instruction).toBe("Pick the topic carefully.");
    expect(classify.meta.demos).toEqual([{ question: "Best croissant?", topic: "food" }]);
    expect([classify.sample, classify.temperature, classify.maxTokens]).toEqual([2, 0.7, 1024]);
  });

  it("runs independent steps concurrently", async () => {
    const graph = await loadGraph(
      writeProgram(`name: parallel
inputs:
  question: string
outputs:
  a: left.a
  b: right.b
  c: join.c
steps:
  left:
    signature: question -> a
  right:
    signature: question -> b
  join:
    signature: a, b -> c
metric:
  exact_match: a
`),
    );
    // Each of `left` and `right` waits (on event-loop turns, not on a clock) until the other has
    // started; run one after the other, the first would give up waiting with the other not begun.
    let inFlight = 0;
    let maxInFlight = 0;
    const started = new Set<string>();
    const lm = new FakeLM(async (request) => {
      const step = request.meta.step!;
      started.add(step);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (step !== "join") {
        for (let turn = 0; turn < 50 && !(started.has("left") && started.has("right")); turn++) {
          await new Promise((r) => setImmediate(r));
        }
      }
      inFlight--;
      if (step === "left") return { a: "A" };
      if (step === "right") return { b: "B" };
      return { c: `${request.meta.inputs.a}+${request.meta.inputs.b}` };
    });
    const prediction = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "q" }, ctx(lm));
    expect(maxInFlight).toBe(2);
    expect(prediction.outputs).toEqual({ a: "A", b: "B", c: "A+B" });
    // `join` started only once both producers had finished.
    expect(lm.requests.map((r) => r.meta.step).slice(-1)).toEqual(["join"]);
    expect(prediction.trace.map((t) => t.step)).toEqual(["left", "right", "join"]);
  });

  it("reports the trace in graph order even when a later step finishes first", async () => {
    const graph = await fanIn();
    let releaseClassify!: () => void;
    const classifyGate = new Promise<void>((r) => (releaseClassify = r));
    const lm = new FakeLM(async (request) => {
      if (request.meta.step === "classify") await classifyGate;
      if (request.meta.step === "extract") setImmediate(releaseClassify); // extract answers first
      return answerFanIn(request);
    });
    const prediction = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "Eiffel?" }, ctx(lm));
    expect(lm.requests.map((r) => r.meta.step)).toEqual(["classify", "extract", "combine"]);
    expect(prediction.trace.map((t) => t.step)).toEqual(["search", "classify", "extract", "combine"]);
  });

  it("turns an unreadable completion into a StepFailure with the raw text and the partial trace", async () => {
    const graph = await fanIn();
    const lm = new FakeLM((request) => {
      if (request.meta.step === "extract") return request.meta.adapter === "json" ? "still no fields, sorry" : "I think it was built in 1889.";
      return answerFanIn(request);
    });
    const failure = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "Eiffel?" }, ctx(lm)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepFailure);
    const f = failure as StepFailure;
    expect(isFatal(f)).toBe(false);
    expect(f.step).toBe("extract");
    expect(f.raw).toBe("still no fields, sorry");
    expect(f.message).toMatch(/^step extract: could not read the LM's answer: chat: missing fields `reasoning`, `facts`; json: /);
    // The trace holds what finished, then the failing step with both of its calls; `combine` never ran.
    expect(f.trace.map((t) => [t.step, t.outputs !== undefined, t.error !== undefined, t.calls.map((c) => [c.adapter, c.text])])).toEqual([
      ["search", true, false, []],
      ["classify", true, false, [["chat", expect.stringContaining("[[ ## topic ## ]]")]]],
      [
        "extract",
        false,
        true,
        [
          ["chat", "I think it was built in 1889."],
          ["json", "still no fields, sorry"],
        ],
      ],
    ]);
    expect(f.trace[2]!.error).toBe(f.message.replace(/^step extract: /, ""));
    expect(requestsOf(lm, "combine")).toEqual([]);
  });

  it("lets a ProviderError through unwrapped, even when another step fails too", async () => {
    const graph = await fanIn();
    const fatal = new ProviderError("fake", "auth", "invalid API key");
    const lm = new FakeLM((request) => {
      if (request.meta.step === "classify") return "garbage";
      if (request.meta.step === "extract") throw fatal;
      return answerFanIn(request);
    });
    const err = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "Eiffel?" }, ctx(lm)).catch((e: unknown) => e);
    expect(err).toBe(fatal);
    expect(isFatal(err)).toBe(true);
  });

  it("wraps an ordinary LM error as a StepFailure without raw text", async () => {
    const graph = await fanIn();
    const lm = new FakeLM((request) => {
      if (request.meta.step === "combine") throw new Error("connection reset");
      return answerFanIn(request);
    });
    const err = (await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "Eiffel?" }, ctx(lm)).catch((e: unknown) => e)) as StepFailure;
    expect(err).toBeInstanceOf(StepFailure);
    expect([err.step, err.message, err.raw, err.trace.map((t) => t.step)]).toEqual([
      "combine",
      "step combine: connection reset",
      undefined,
      ["search", "classify", "extract", "combine"],
    ]);
  });

  it("stops with InterruptedError when the signal is already aborted", async () => {
    const graph = await fanIn();
    const lm = new FakeLM(answerFanIn);
    const controller = new AbortController();
    controller.abort();
    const err = await executeGraph(graph, initialState(graph.spec, graph.lmSteps), { question: "q" }, ctx(lm, { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InterruptedError);
    expect(lm.requests).toEqual([]);
  });
});
