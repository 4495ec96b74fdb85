import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import { brief, problemsOf, writeProgram } from "../program/helpers.js";

const CORPUS = path.resolve("test/modules/fixtures/corpus.jsonl");

const stepOf = (graph: Graph, name: string) => graph.steps.find((s) => s.name === name)!;
const typesOf = (fields: { name: string; type: unknown }[]) => Object.fromEntries(fields.map((f) => [f.name, f.type]));

describe("compile: wiring", () => {
  it("wires inputs implicitly by unique name: program inputs and earlier step outputs", async () => {
    const graph = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  draft:
    signature: question -> notes
  solve:
    signature: question, notes -> answer
metric:
  exact_match: answer
`),
    );
    expect(graph.steps.map((s) => [s.name, s.sources, s.deps])).toEqual([
      ["draft", { question: { kind: "input", field: "question" } }, []],
      [
        "solve",
        { question: { kind: "input", field: "question" }, notes: { kind: "step", step: "draft", field: "notes" } },
        ["draft"],
      ],
    ]);
    expect(graph.outputs).toEqual([{ name: "answer", ref: { kind: "step", step: "solve", field: "answer" }, type: { kind: "string" } }]);
    expect(graph.lmSteps).toEqual(["draft", "solve"]);
  });

  it("wires implicitly only from earlier steps, and calls two earlier producers ambiguous", async () => {
    const later = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  solve:
    signature: question -> answer
  rephrase:
    signature: answer -> question
metric:
  exact_match: answer
`),
    );
    // `rephrase` comes later, so `solve.question` is the program input: no ambiguity, no cycle.
    expect(stepOf(later, "solve").sources).toEqual({ question: { kind: "input", field: "question" } });
    expect(stepOf(later, "rephrase").sources).toEqual({ answer: { kind: "step", step: "solve", field: "answer" } });

    const problems = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  a:
    signature: question -> notes
  b:
    signature: question -> notes
  solve:
    signature:
      inputs: { question: string, notes: string }
      outputs: { answer: string }
metric:
  exact_match: answer
`),
      ),
    );
    // In the mapping form the problem points at the field's key.
    expect(brief(problems)).toEqual([
      "13:35 step `solve` input `notes` is ambiguous: it could come from $a.notes or $b.notes (wire it explicitly under `inputs:`)",
    ]);
  });

  it("follows explicit wiring, including `$inputs.x`, `$step.x` and `step.x` forms", async () => {
    const graph = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: $solve.answer
steps:
  draft:
    signature: text -> notes
    inputs: { text: $inputs.question }
  solve:
    signature: query, hints -> answer
    inputs:
      query: question
      hints: draft.notes
metric:
  exact_match: answer
`),
    ).catch((e: Error) => e);
    // `question` alone is not a reference; the two well-formed forms wire.
    expect(graph).toBeInstanceOf(Error);
    expect((graph as Error).message).toContain('`steps.solve.inputs.query`: expected a reference `$inputs.<field>` or `$<step>.<field>`, got "question"');

    const ok = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: $solve.answer
steps:
  draft:
    signature: text -> notes
    inputs: { text: $inputs.question }
  solve:
    signature: query, hints -> answer
    inputs:
      query: $inputs.question
      hints: draft.notes
metric:
  exact_match: answer
`),
    );
    expect(stepOf(ok, "draft").sources).toEqual({ text: { kind: "input", field: "question" } });
    expect(stepOf(ok, "solve").sources).toEqual({
      query: { kind: "input", field: "question" },
      hints: { kind: "step", step: "draft", field: "notes" },
    });
  });

  it("gives untyped consumer inputs their producer's type and keeps typed ones", async () => {
    const graph = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
  level: "enum(low, high)"
outputs:
  answer: solve.answer
steps:
  gather:
    signature: "question -> facts: list[string], score: integer"
  solve:
    signature: "question, facts, level, score: number -> answer"
metric:
  exact_match: answer
`),
    );
    const solve = stepOf(graph, "solve");
    expect(typesOf(solve.signature.inputs)).toEqual({
      question: { kind: "string" },
      facts: { kind: "list", item: { kind: "string" } },
      level: { kind: "enum", options: ["low", "high"] },
      score: { kind: "number" }, // typed by the user: integer feeds number, the declared type stays
    });
    // The spec (what the user wrote) is not changed.
    expect(solve.spec.signature.inputs.map((f) => [f.name, f.type.kind, f.typed])).toEqual([
      ["question", "string", false],
      ["facts", "string", false],
      ["level", "string", false],
      ["score", "number", true],
    ]);
  });

  it("accepts assignable types: enum into a wider enum, enum into string, integer into number", async () => {
    await expect(
      loadGraph(
        writeProgram(`name: t
inputs:
  message: string
outputs:
  answer: solve.answer
steps:
  route:
    signature: "message -> team: enum(billing, other), size: integer"
  solve:
    signature: "team: enum(billing, other, shipping), size: number, message -> answer"
  label:
    signature: "team: string -> tag"
metric:
  exact_match: answer
`),
      ),
    ).resolves.toBeDefined();
    const problems = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  message: string
outputs:
  answer: solve.answer
steps:
  route:
    signature: "message -> team: enum(billing, other, shipping), size: number"
  solve:
    signature: "team: enum(billing, other), size: integer, message -> answer"
metric:
  exact_match: answer
`),
      ),
    );
    expect(brief(problems)).toEqual([
      "10:17 step `solve` input `team` is enum(billing, other) but `$route.team` produces enum(billing, other, shipping)",
      "10:45 step `solve` input `size` is integer but `$route.size` produces number",
    ]);
  });

  it("orders steps by dependency, keeping file order among independent steps", async () => {
    const graph = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: summary.answer
  aside: aside.remark
steps:
  summary:
    signature: label, facts -> answer
    inputs:
      label: $classify.label
      facts: $extract.facts
  classify:
    signature: question -> label
  extract:
    signature: question -> facts
  aside:
    signature: question -> remark
metric:
  exact_match: answer
`),
    );
    expect(graph.steps.map((s) => s.name)).toEqual(["classify", "extract", "summary", "aside"]);
    expect(stepOf(graph, "summary").deps).toEqual(["classify", "extract"]);
    expect(graph.lmSteps).toEqual(["classify", "extract", "summary", "aside"]);
  });

  it("reports a step reading its own output, and a three-step cycle once", async () => {
    const own = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  solve:
    signature: question, answer_draft -> answer
    inputs: { answer_draft: $solve.answer }
metric:
  exact_match: answer
`),
      ),
    );
    expect(brief(own)).toEqual(["9:29 step `solve` input `answer_draft` reads the step's own output `$solve.answer`"]);

    const cycle = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: c.z
steps:
  a:
    signature: question, z -> x
    inputs: { z: $c.z }
  b:
    signature: x -> y
  c:
    signature: y -> z
metric:
  exact_match: answer
`),
      ),
    );
    // Reported once, at the first step, in the direction data flows.
    expect(brief(cycle)).toEqual([
      "8:5 the steps form a cycle: a → b → c → a (a step cannot depend on its own output, directly or through others)",
    ]);
  });
});

describe("compile: modules", () => {
  it("chain_of_thought adds `reasoning` first, which later steps and outputs may wire", async () => {
    const graph = await loadGraph(
      writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: think.answer
  why: think.reasoning
  verdict: check.verdict
steps:
  think:
    module: chain_of_thought
    signature: "question -> answer: integer"
  check:
    signature: "answer: number, reasoning -> verdict: bool"
metric:
  exact_match: answer
`),
    );
    const think = stepOf(graph, "think");
    expect(think.outputs.map((f) => [f.name, f.type.kind])).toEqual([
      ["reasoning", "string"],
      ["answer", "integer"],
    ]);
    expect(think.signature.outputs.map((f) => f.name)).toEqual(["answer"]);
    expect(stepOf(graph, "check").sources).toEqual({
      answer: { kind: "step", step: "think", field: "answer" },
      reasoning: { kind: "step", step: "think", field: "reasoning" },
    });
    expect(graph.outputs.map((o) => [o.name, o.type.kind])).toEqual([
      ["answer", "integer"],
      ["why", "string"],
      ["verdict", "boolean"],
    ]);
  });

  it("chain_of_thought refuses a user output named `reasoning`; retrieve checks its signature", async () => {
    const problems = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
  topic: string
outputs:
  answer: think.answer
steps:
  think:
    module: chain_of_thought
    signature: question -> reasoning, answer
  search:
    module: retrieve
    signature: question, topic -> passages
    corpus: ${CORPUS}
metric:
  exact_match: answer
`),
      ),
    );
    expect(brief(problems)).toEqual([
      "10:16 `steps.think.signature`: chain_of_thought adds its own `reasoning` output; rename yours",
      "13:16 `steps.search.signature`: retrieve takes exactly one input: the query",
      "13:16 `steps.search.signature`: retrieve's output must be typed `passages: list[string]` (or string)",
    ]);
  });

  it("retrieve is not an LM step, and takes no demos", async () => {
    const yaml = (demos: string) => `name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  search:
    module: retrieve
    signature: "question -> passages: list[string]"
    corpus: ${CORPUS}
    k: 2${demos}
  solve:
    signature: question, passages -> answer
metric:
  exact_match: answer
`;
    const graph = await loadGraph(writeProgram(yaml("")));
    expect(graph.lmSteps).toEqual(["solve"]);
    expect(stepOf(graph, "search").module.usesLM).toBe(false);
    expect(brief(await problemsOf(loadGraph(writeProgram(yaml("\n    demos:\n      - question: q\n        passages: [p]")))))).toEqual([
      "13:7 step `search`: a retrieve step uses no LM, so it takes no demos",
    ]);
  });

  it("reports a retrieve option of the wrong kind and an unknown one", async () => {
    const problems = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  search:
    module: retrieve
    signature: "question -> passages: list[string]"
    corpus: ${CORPUS}
    k: 0
    include_titles: true
  solve:
    signature: question, passages -> answer
metric:
  exact_match: answer
`),
      ),
    );
    expect(brief(problems)).toEqual([
      "11:8 `steps.search.k`: expected a number above 0, got 0",
      "12:5 unknown key `include_titles` in `steps.search` (a retrieve step takes: module, signature, instruction, demos, inputs, lm, temperature, max_tokens, corpus, k, include_title) [did you mean `include_title`?]",
    ]);
  });

  it("checks demos against the step's fields, coercing typed values", async () => {
    const problems = await problemsOf(
      loadGraph(
        writeProgram(`name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  solve:
    signature: "question -> answer: integer, sure: bool"
    demos:
      - { question: "2+2?", answer: "4", sure: "yes" }
      - { question: "3+3?", answer: six, sure: true }
      - { question: "4+4?", answer: 8 }
metric:
  exact_match: answer
`),
      ),
    );
    expect(brief(problems)).toEqual([
      '11:37 `steps.solve.demos[1].answer`: expected an integer, got the text "six"',
      "12:9 `steps.solve.demos[2]`: a demo needs every output; missing `sure`",
    ]);
  });
});
