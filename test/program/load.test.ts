import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import { readProgram } from "../../src/program/load.js";
import { brief, problemsOf, tempDir, writeProgram } from "./helpers.js";

const VALID = path.resolve("test/program/fixtures/valid/program.yaml");

describe("readProgram on a valid file", () => {
  it("reads every section into the spec", async () => {
    const { spec, problems, brokenSteps } = await readProgram(VALID);
    expect(problems).toEqual([]);
    expect(brokenSteps.size).toBe(0);
    expect(spec.file).toBe(VALID);
    expect(spec.dir).toBe(path.dirname(VALID));
    expect(spec.name).toBe("qa-with-search");
    expect(spec.description).toBe("Answer a question from a small corpus.");
    expect(spec.lm).toEqual({
      model: "openai:gpt-4.1-mini",
      temperature: 0.2,
      maxTokens: 300,
      rpm: 60,
      prices: { input: 0.4, cachedInput: 0.1, output: 1.6 },
    });
    expect(spec.inputs).toEqual([
      { name: "question", type: { kind: "string" }, typed: true, desc: "What the user asks" },
      { name: "level", type: { kind: "enum", options: ["basic", "expert"] }, typed: true },
    ]);
    expect(spec.outputs.map(({ name, ref, pos }) => ({ name, ref, at: `${pos.line}:${pos.col}` }))).toEqual([
      { name: "answer", ref: { kind: "step", step: "answer", field: "answer" }, at: "13:11" },
      { name: "passages", ref: { kind: "step", step: "search", field: "passages" }, at: "14:13" },
    ]);
    expect(spec.metric).toEqual({
      kind: "mean",
      metrics: [
        { kind: "exact_match", field: "answer", gold: "answer" },
        { kind: "regex", field: "answer", pattern: "^[A-Z]", flags: "i" },
      ],
    });
    expect(spec.data).toEqual({
      train: path.resolve("test/program/fixtures/data/train.jsonl"),
      dev: path.resolve("test/program/fixtures/data/dev.jsonl"),
    });
    expect(spec.positions.get("steps.answer.instruction")).toEqual({ file: "test/program/fixtures/valid/program.yaml", line: 32, col: 18 });
  });

  it("reads steps: module, signature forms, wiring, options, demos and LM overrides", async () => {
    const { spec } = await readProgram(VALID);
    const [search, answer] = spec.steps;
    expect(search).toMatchObject({
      name: "search",
      module: "retrieve",
      options: { corpus: "../corpus.jsonl", k: 2 },
      wiring: {},
      instruction: "",
      demos: [],
    });
    expect(search!.signature.outputs).toEqual([{ name: "passages", type: { kind: "list", item: { kind: "string" } }, typed: true }]);
    expect(answer).toMatchObject({
      name: "answer",
      module: "chain_of_thought",
      options: {},
      wiring: { context: { kind: "step", step: "search", field: "passages" } },
      instruction: "Answer from the context.",
      lm: { temperature: 0.7 },
      pos: { line: 22, col: 5 },
    });
    expect(answer!.signature).toEqual({
      inputs: [
        { name: "question", type: { kind: "string" }, typed: true },
        { name: "context", type: { kind: "string" }, typed: false, desc: "Passages found" },
        { name: "level", type: { kind: "string" }, typed: false },
      ],
      outputs: [{ name: "answer", type: { kind: "string" }, typed: true, desc: "A short answer" }],
    });
    expect(answer!.demos).toEqual([
      { question: "What is the capital of France?", context: ["Paris is the capital of France."], level: "basic", answer: "Paris" },
    ]);
  });

  it("compiles: the corpus is found relative to the program file", async () => {
    const graph = await loadGraph(VALID);
    expect(graph.steps.map((s) => s.name)).toEqual(["search", "answer"]);
    expect(graph.lmSteps).toEqual(["answer"]);
  });

  it("names the program after its file when `name` is missing (and reports it)", async () => {
    const file = writeProgram("inputs: { q: string }\noutputs: { a: s.a }\nsteps:\n  s: { signature: q -> a }\nmetric: { exact_match: a }\n");
    const { spec, problems } = await readProgram(file);
    expect(spec.name).toBe("program");
    expect(brief(problems)).toEqual(["1:1 missing `name`"]);
  });
});

describe("readProgram: aliases", () => {
  const PROGRAM = 'inputs:\n  message: string\noutputs:\n  team: route.team\nsteps:\n  route:\n    signature: "message -> team"\nmetric:\n  exact_match: team\n';

  it("reads anchors and aliases used the ordinary way", async () => {
    const { spec, problems } = await readProgram(
      writeProgram(`name: &n shared\ndescription: *n\n${PROGRAM.replace('signature: "message -> team"', 'signature: "message -> team"\n    demos: [&d { message: hi, team: billing }, *d]')}`),
    );
    expect(problems).toEqual([]);
    expect(spec.description).toBe("shared");
    expect(spec.steps[0]!.demos).toHaveLength(2);
  });

  it("names an alias with no anchor before it, every one, at its line and column", async () => {
    const file = writeProgram(`name: x\ndescription: *nowhere\n${PROGRAM.replace("team: route.team", "team: *later\n  other: &later route.team")}`);
    expect(brief(await problemsOf(readProgram(file)))).toEqual([
      "2:14 the alias *nowhere names no anchor: set `&nowhere` on a value before it is used",
      "6:9 the alias *later names no anchor: set `&later` on a value before it is used",
    ]);
  });

  it("refuses a billion-laughs document at the alias where it explodes, before expanding it", async () => {
    const levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    const file = writeProgram(`name: bomb\n${levels.join("\n")}\n${PROGRAM}`);
    // a4 uses a3 (1,000 aliases inside) a second time: past 1,000, where the yaml package gives up too.
    expect(brief(await problemsOf(readProgram(file)))).toEqual([
      '6:15 aliases nest too deeply here: expanding them would copy aliased values more than 1000 times (a "billion laughs" document); write the values out or nest fewer aliases',
    ]);
  });
});

describe("readProgram: duplicate keys", () => {
  it("names the repeated key and the line of the first, in block and flow mappings and whatever the quoting", async () => {
    const file = writeProgram(
      'name: one\ninputs:\n  message: { type: string, type: number }\noutputs:\n  team: route.team\nname: two\nsteps:\n  route:\n    signature: "message -> team"\n    "signature": "message -> other"\nmetric:\n  exact_match: team\n',
    );
    expect(brief(await problemsOf(readProgram(file)))).toEqual([
      "3:28 key `type` appears twice in the same mapping (first on line 3); YAML keys must be unique",
      "6:1 key `name` appears twice in the same mapping (first on line 1); YAML keys must be unique",
      "10:5 key `signature` appears twice in the same mapping (first on line 9); YAML keys must be unique",
    ]);
  });
});

describe("readProgram: files it cannot read", () => {
  it("a missing file", async () => {
    const file = path.join(tempDir(), "nope.yaml");
    const problems = await problemsOf(readProgram(file));
    // Named as the user would type it, like every other position.
    expect(problems).toEqual([{ message: "cannot read program file: file not found", pos: { file: path.relative(process.cwd(), file) } }]);
  });

  it("a directory", async () => {
    const dir = tempDir();
    expect(await problemsOf(readProgram(dir))).toEqual([{ message: "program file is a directory, expected a file", pos: { file: path.relative(process.cwd(), dir) } }]);
  });

  it("a YAML list or an empty file", async () => {
    expect(brief(await problemsOf(readProgram(writeProgram("- a\n- b\n"))))).toEqual([
      "1:1 expected a program mapping (name, inputs, outputs, steps, metric), got a list",
    ]);
    expect(brief(await problemsOf(readProgram(writeProgram(""))))).toEqual([
      "1:1 expected a program mapping (name, inputs, outputs, steps, metric), got nothing (null)",
    ]);
  });
});

const HEAD = `name: t
inputs:
  question: string
outputs:
  answer: solve.answer
`;

describe("loadGraph: messages and positions", () => {
  it("says what a bound means in words", async () => {
    const file = writeProgram(`name: ""
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  solve:
    signature: question -> answer
    max_tokens: 0
    temperature: -1
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "1:7 `name`: must not be empty",
      "9:17 `steps.solve.max_tokens`: expected a number above 0, got 0",
      "10:18 `steps.solve.temperature`: expected a number at least 0, got -1",
    ]);
  });

  it("rejects a wiring key the signature does not have, and a wiring value that is no reference", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature: question -> answer
    inputs:
      questoin: $inputs.question
      question: just text
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "10:7 `steps.solve.inputs`: `questoin` is not an input of this step's signature (inputs: question) [did you mean `question`?]",
      '11:17 `steps.solve.inputs.question`: expected a reference `$inputs.<field>` or `$<step>.<field>`, got "just text"',
    ]);
  });

  it("points at the start of a quoted signature that has escapes (columns inside would be guesses)", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature: "question -> answer: \\u0069nt, x: nope"
metric:
  exact_match: answer
`);
    const problems = await problemsOf(loadGraph(file));
    expect(brief(problems)).toEqual([
      expect.stringMatching(/^8:16 `steps\.solve\.signature`: bad signature: unknown type "nope"/),
    ]);
  });

  it("points into a folded multi-line signature only at its start", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature: >-
      question ->
      answer: nope
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      expect.stringMatching(/^8:16 `steps\.solve\.signature`: bad signature: unknown type "nope"/),
    ]);
  });

  it("points at the start of a plain signature folded over two lines", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature: question, question
      -> answer
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      expect.stringMatching(/^8:16 `steps\.solve\.signature`: bad signature: input field "question" appears twice/),
    ]);
  });

  it("reports a name that is not an identifier at its key", async () => {
    const file = writeProgram(`name: t
inputs:
  question: string
  my-extra: string
outputs:
  answer: my-step.answer
steps:
  my-step:
    signature: question -> answer
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "4:3 `my-extra` in `inputs` is not a valid name: expected a name of letters, digits and _ (not starting with a digit)",
      "8:3 `my-step` in `steps` is not a valid name: expected a name of letters, digits and _ (not starting with a digit)",
    ]);
  });

  it("reports a problem inside `lm`, `inputs` or `data` once", async () => {
    const file = writeProgram(`name: t
lm: { model: sim, max_token: 5 }
inputs:
  question: { type: string, description: The question }
outputs:
  answer: solve.answer
steps:
  solve:
    signature: question -> answer
metric:
  exact_match: answer
data:
  training: train.jsonl
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "2:19 unknown key `max_token` in `lm` (expected one of: model, base_url, temperature, max_tokens, rpm, tpm, prices) [did you mean `max_tokens`?]",
      "4:29 unknown key `description` in `inputs.question` (expected one of: type, desc)",
      "13:3 unknown key `training` in `data` (expected one of: train, dev, test)",
    ]);
  });

  it("reports a section of the wrong shape once, without cascading into what reads it", async () => {
    const file = writeProgram(`name: t
lm: 5
inputs: [question]
outputs: [answer]
steps:
  solve:
    signature: question -> answer
    inputs: { question: $inputs.question }
  check:
    signature: question, answer -> ok
metric:
  exact_match: answer
data: 5
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "2:5 `lm`: expected a mapping, got number 5",
      "3:9 `inputs`: expected a mapping, got a list",
      "4:10 `outputs`: expected a mapping, got a list",
      "13:7 `data`: expected a mapping, got number 5",
    ]);
  });

  it("reports a step that is not a mapping, and a signature that is neither string nor mapping", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve: question -> answer
  other:
    signature: [question, answer]
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      '7:10 `steps.solve`: expected a step mapping with at least `signature`, got the text "question -> answer"',
      "9:16 `steps.other.signature`: expected a signature string such as `question -> answer` or a mapping with `inputs` and `outputs`",
    ]);
  });

  it("reports a mapping-form signature with an empty side and a field on both sides", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature:
      inputs: {}
      outputs: { answer: string }
  other:
    signature:
      inputs: { question: string }
      outputs: { question: string, answer: string }
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "9:7 `steps.solve.signature`: a signature needs at least one input and one output",
      "14:18 `steps.other.signature`: `question` is both an input and an output",
    ]);
  });
});

describe("loadGraph: no cascades", () => {
  it("one bad program input read by two steps is one problem", async () => {
    const file = writeProgram(`name: t
inputs:
  question: list[strng]
outputs:
  answer: second.answer
steps:
  first:
    signature: question -> draft
  second:
    signature: question, draft -> answer
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      '3:18 `inputs.question`: bad type: unknown type "strng" (expected one of string, number, integer, boolean, json, enum(…), list[…])',
    ]);
  });

  it("a step with an unreadable signature is one problem, whoever reads its outputs", async () => {
    const file = writeProgram(`${HEAD}steps:
  draft:
    signature: "question -> notes: lst[string]"
  solve:
    signature: question, notes -> answer
  check:
    signature: answer, notes -> verdict
    inputs:
      notes: $draft.notes
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      '8:36 `steps.draft.signature`: bad signature: unknown type "lst" (expected one of string, number, integer, boolean, json, enum(…), list[…]) (expected e.g. `question, context: list[string] -> answer`)',
    ]);
  });

  it("a step with an unknown module still provides its signature's outputs to later steps", async () => {
    const file = writeProgram(`${HEAD}steps:
  draft:
    module: summarise
    signature: question -> notes
  solve:
    signature: question, notes -> answer
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      "8:13 `steps.draft.module`: unknown module `summarise` (expected one of: predict, chain_of_thought, retrieve, function, react)",
    ]);
  });

  it("a step broken AND misspelt reports both, once each", async () => {
    const file = writeProgram(`${HEAD}steps:
  solve:
    signature: question -> answer: nope
    instrution: Answer.
metric:
  exact_match: answer
`);
    // `answer: nope` after ": " is a YAML nested mapping: the file cannot be read at all.
    expect(brief(await problemsOf(loadGraph(file)))).toEqual([
      '8:16 YAML syntax: Nested mappings are not allowed in compact mappings [a value containing ": " must be quoted, e.g. signature: "question -> answer: integer"]',
    ]);
    const quoted = writeProgram(`${HEAD}steps:
  solve:
    signature: "question -> answer: nope"
    instrution: Answer.
metric:
  exact_match: answer
`);
    expect(brief(await problemsOf(loadGraph(quoted)))).toEqual([
      expect.stringMatching(/^8:37 `steps\.solve\.signature`: bad signature: unknown type "nope"/),
      "9:5 unknown key `instrution` in `steps.solve` (a predict step takes: module, signature, instruction, demos, inputs, lm, temperature, max_tokens) [did you mean `instruction`?]",
    ]);
  });
});
