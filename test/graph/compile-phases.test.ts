import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkModels } from "../../src/graph/compile/models.js";
import { checkModules } from "../../src/graph/compile/modules.js";
import { checkOutputs } from "../../src/graph/compile/outputs.js";
import { prepareModules } from "../../src/graph/compile/prepare.js";
import { resolveReferences } from "../../src/graph/compile/references.js";
import { checkTypes } from "../../src/graph/compile/typecheck.js";
import { readProgram, readProgramText, type ReadProgram } from "../../src/program/load.js";
import { brief, tempDir, writeProgram } from "../program/helpers.js";

const CORPUS = path.resolve("test/modules/fixtures/corpus.jsonl");

/** A program read from text (nothing is written: only the prepare phase reads files). */
const read = (yaml: string): Promise<ReadProgram> => readProgramText(path.join(tempDir(), "program.yaml"), yaml);

/** Steps and a metric around `steps`, with one input `question` and one output. */
const program = (steps: string, outputs = "answer: $solve.answer") => `name: t
inputs:
  question: string
outputs:
  ${outputs}
steps:
${steps}
metric:
  exact_match: answer
`;

/** One mistake for each phase but prepare: every phase must report exactly its own. */
const ONE_OF_EACH = `name: t
lm: opneai:gpt-4o
inputs:
  question: string
outputs:
  answer: $solve.answer
  extra: $solve.nothing
steps:
  count:
    signature: "question -> n: integer"
    k: 3
  solve:
    signature: "question, n: list[string] -> answer"
    inputs:
      question: $inputs.questoin
metric:
  exact_match: answer
`;

describe("compile phases: each returns exactly its own problems", () => {
  it("modules: unknown keys of a module; nothing about references, types, outputs or models", async () => {
    const r = await read(ONE_OF_EACH);
    expect(r.problems).toEqual([]);
    const { problems, drafts, flawed } = checkModules(r);
    expect(brief(problems)).toEqual([
      "11:5 unknown key `k` in `steps.count` (a predict step takes: module, signature, instruction, demos, inputs, lm, temperature, max_tokens)",
    ]);
    // A step with bad options is still a draft (its wiring is checked), marked so it is never prepared.
    expect([...drafts.keys()]).toEqual(["count", "solve"]);
    expect([...flawed]).toEqual(["count"]);
  });

  it("references: the input that names nothing; nothing about types or outputs", async () => {
    const r = await read(ONE_OF_EACH);
    const { problems, wiring, unresolved } = resolveReferences(r, checkModules(r).drafts);
    expect(brief(problems)).toEqual([
      "15:17 step `solve` input `question`: `$inputs.questoin`: the program has no input `questoin` (inputs: question) [did you mean `question`?]",
    ]);
    expect(wiring.get("solve")).toEqual({
      inputs: [expect.objectContaining({ ref: { kind: "step", step: "count", field: "n" }, from: { kind: "integer" } })],
      sources: { n: { kind: "step", step: "count", field: "n" } },
      deps: ["count"],
    });
    expect([...unresolved]).toEqual(["solve"]);
  });

  it("types: the input of the wrong type, where it is named in the signature", async () => {
    const r = await read(ONE_OF_EACH);
    const { drafts } = checkModules(r);
    const { problems, mismatched, signatures } = checkTypes(r, drafts, resolveReferences(r, drafts).wiring);
    expect(brief(problems)).toEqual(["13:27 step `solve` input `n` is list[string] but `$count.n` produces integer"]);
    expect([...mismatched]).toEqual(["solve"]);
    // Only the inputs that resolved are in the step's signature.
    expect(signatures.get("solve")!.inputs.map((f) => f.name)).toEqual(["n"]);
  });

  it("outputs: the program output that names nothing", async () => {
    const r = await read(ONE_OF_EACH);
    const { problems, outputs } = checkOutputs(r, checkModules(r).drafts);
    expect(brief(problems)).toEqual([
      "7:10 output `extra`: `$solve.nothing`: step `solve` has no output `nothing` (outputs: answer)",
    ]);
    expect(outputs).toEqual([{ name: "answer", ref: { kind: "step", step: "solve", field: "answer" }, type: { kind: "string" } }]);
  });

  it("models: the unknown provider", async () => {
    expect(brief(checkModels(await read(ONE_OF_EACH)))).toEqual([
      '2:5 `lm`: unknown LM provider "opneai" in "opneai:gpt-4o" (expected provider:model with provider one of sim, openai, anthropic, ollama; did you mean `openai`?)',
    ]);
  });

  it("each phase is a function of its input: the same input, the same result, the read program untouched", async () => {
    const r = await read(ONE_OF_EACH);
    const before = JSON.stringify({ problems: r.problems, flawed: [...r.flawedSteps], broken: [...r.brokenSteps] });
    const twice = () => {
      const modules = checkModules(r);
      const references = resolveReferences(r, modules.drafts);
      return [modules.problems, references.problems, checkTypes(r, modules.drafts, references.wiring).problems, checkOutputs(r, modules.drafts).problems, checkModels(r)];
    };
    expect(twice()).toEqual(twice());
    expect(JSON.stringify({ problems: r.problems, flawed: [...r.flawedSteps], broken: [...r.brokenSteps] })).toBe(before);
  });
});

describe("compile phase: modules", () => {
  it("reports an unknown module, and a near-miss of a common key beside it, and drafts nothing for it", async () => {
    const r = await read(program("  solve:\n    module: predikt\n    signature: question -> answer\n    instrution: be brief"));
    const { problems, drafts } = checkModules(r);
    expect(brief(problems)).toEqual([
      "8:13 `steps.solve.module`: unknown module `predikt` (expected one of: predict, chain_of_thought, retrieve, function, react) [did you mean `predict`?]",
      "10:5 unknown key `instrution` in `steps.solve` [did you mean `instruction`?]",
    ]);
    expect(drafts.size).toBe(0);
  });

  it("reports bad option values through the module's schema", async () => {
    const r = await read(program(`  search:\n    module: retrieve\n    signature: "question -> passages: list[string]"\n    corpus: c.jsonl\n    k: 0`, "answer: $search.passages"));
    const { problems, flawed } = checkModules(r);
    expect(brief(problems)).toEqual(["11:8 `steps.search.k`: expected a number above 0, got 0"]);
    expect([...flawed]).toEqual(["search"]);
  });

  it("reports a signature the module refuses, and drafts nothing for it", async () => {
    const r = await read(program("  solve:\n    module: chain_of_thought\n    signature: question -> reasoning, answer"));
    const { problems, drafts } = checkModules(r);
    expect(brief(problems)).toEqual([
      "9:16 `steps.solve.signature`: chain_of_thought adds its own `reasoning` output; rename yours",
    ]);
    expect(drafts.size).toBe(0);
  });
});

describe("compile phase: references", () => {
  it("finds implicit sources, refuses ambiguous, missing and self-reading ones", async () => {
    const r = await read(
      program(`  a:
    signature: question -> notes
  b:
    signature: question -> notes
  solve:
    signature: notes, hint -> answer`),
    );
    const { problems, wiring } = resolveReferences(r, checkModules(r).drafts);
    expect(brief(problems)).toEqual([
      "12:16 step `solve` input `notes` is ambiguous: it could come from $a.notes or $b.notes (wire it explicitly under `inputs:`)",
      "12:23 step `solve` input `hint` has no source: no program input and no earlier step output is named `hint` (wire it: `inputs: { hint: $<step>.<field> }`)",
    ]);
    expect(wiring.get("a")!.sources).toEqual({ question: { kind: "input", field: "question" } });
    const self = await read(program("  solve:\n    signature: question, previous -> answer\n    inputs:\n      previous: $solve.answer"));
    expect(brief(resolveReferences(self, checkModules(self).drafts).problems)).toEqual([
      "10:17 step `solve` input `previous` reads the step's own output `$solve.answer`",
    ]);
  });

  it("reports a cycle once, with the sources that resolved", async () => {
    const r = await read(
      program(`  first:
    signature: question, later -> notes
    inputs:
      later: $solve.answer
  solve:
    signature: notes -> answer`),
    );
    const { problems, wiring } = resolveReferences(r, checkModules(r).drafts);
    expect(brief(problems)).toEqual([
      "8:5 the steps form a cycle: first → solve → first (a step cannot depend on its own output, directly or through others)",
    ]);
    expect(wiring.get("first")!.deps).toEqual(["solve"]);
  });

  it("does not check references to a step too broken to compile (its own problem is reported elsewhere)", async () => {
    const r = await read(program("  draft:\n    module: predikt\n    signature: question -> notes\n  solve:\n    signature: notes -> answer"));
    const { problems, wiring } = resolveReferences(r, checkModules(r).drafts);
    expect(problems).toEqual([]);
    expect(wiring.get("solve")!.inputs).toEqual([expect.objectContaining({ ref: { kind: "step", step: "draft", field: "notes" }, from: undefined })]);
  });
});

describe("compile phase: types", () => {
  it("refines an untyped input to its producer's type", async () => {
    const r = await read(program('  count:\n    signature: "question -> n: integer"\n  solve:\n    signature: n -> answer'));
    const { drafts } = checkModules(r);
    const { problems, signatures } = checkTypes(r, drafts, resolveReferences(r, drafts).wiring);
    expect(problems).toEqual([]);
    expect(signatures.get("solve")!.inputs).toEqual([expect.objectContaining({ name: "n", type: { kind: "integer" }, typed: false })]);
  });

  it("checks demos against the step's fields and types", async () => {
    const r = await read(
      program(`  solve:
    signature: "question -> answer: enum(yes, no)"
    demos:
      - question: q
        answr: yes
      - question: q
        answer: perhaps`),
    );
    const { drafts } = checkModules(r);
    const { problems, mismatched } = checkTypes(r, drafts, resolveReferences(r, drafts).wiring);
    expect(brief(problems)).toEqual([
      "11:9 `steps.solve.demos[0]`: `answr` is not a field of this step (fields: question, answer) [did you mean `answer`?]",
      "10:9 `steps.solve.demos[0]`: a demo needs every output; missing `answer`",
      '13:17 `steps.solve.demos[1].answer`: expected one of: yes, no, got the text "perhaps"',
    ]);
    // Bad demos do not keep the step from being prepared (a missing corpus would still be reported).
    expect([...mismatched]).toEqual([]);
  });
});

describe("compile phase: models", () => {
  it("checks the program's, each step's and each nested judge's model", async () => {
    const r = await read(`name: t
lm: sim
inputs:
  question: string
outputs:
  answer: $solve.answer
steps:
  solve:
    signature: question -> answer
    lm: nope:model
metric:
  mean:
    - exact_match: answer
    - weighted:
        - weight: 1
          metric:
            llm_judge: { field: answer, rubric: ok?, lm: "antropic:claude" }
`);
    expect(brief(checkModels(r))).toEqual([
      '10:9 `steps.solve.lm`: unknown LM provider "nope" in "nope:model" (expected provider:model with provider one of sim, openai, anthropic, ollama)',
      '17:58 `metric.mean[1].weighted[0].metric.llm_judge.lm`: unknown LM provider "antropic" in "antropic:claude" (expected provider:model with provider one of sim, openai, anthropic, ollama; did you mean `anthropic`?)',
    ]);
  });
});

describe("compile phase: prepare", () => {
  it("prepares each given step and reports a missing corpus at its option", async () => {
    const file = writeProgram(
      program(
        `  search:
    module: retrieve
    signature: "question -> passages: list[string]"
    corpus: ${JSON.stringify(CORPUS)}
  lookup:
    module: retrieve
    signature: "question -> more: list[string]"
    corpus: missing.jsonl
  solve:
    signature: passages, more, question -> answer`,
      ),
    );
    const r = await readProgram(file);
    const { drafts } = checkModules(r);
    const { signatures } = checkTypes(r, drafts, resolveReferences(r, drafts).wiring);
    const steps = [...drafts.values()].map(({ step, module, options }) => ({ name: step.name, module, options, signature: signatures.get(step.name)!, pos: step.pos }));
    const { problems, prepared } = await prepareModules(r, steps);
    expect(brief(problems).map((p) => p.replace(/found: .*\//, "found: <dir>/"))).toEqual([
      "14:13 `steps.lookup.corpus`: corpus file not found: <dir>/missing.jsonl",
    ]);
    expect([...prepared.keys()]).toEqual(["search", "solve"]);
    expect(prepared.get("search")).toMatchObject({ options: { corpus: CORPUS, k: 3 } });
  });

  it("prepares only the steps it is given", async () => {
    const r = await read(program(`  lookup:\n    module: retrieve\n    signature: "question -> answer: list[string]"\n    corpus: missing.jsonl`, "answer: $lookup.answer"));
    expect(await prepareModules(r, [])).toEqual({ prepared: new Map(), problems: [] });
  });
});
