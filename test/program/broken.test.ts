import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import { UserError, type Problem } from "../../src/util/errors.js";

const DIR = "test/program/fixtures/broken";

/** `line:col`, a substring of the message, and the hint when there must be one. */
type Expected = [at: string, message: string, hint?: string];

const TYPES = "(expected one of string, number, integer, boolean, json, enum(…), list[…])";
const TOP_KEYS = "(expected one of: name, description, lm, inputs, outputs, steps, metric, data, tools, optimize)";
const PREDICT_KEYS = "(a predict step takes: module, signature, instruction, demos, inputs, lm, temperature, max_tokens)";

/** Every broken file of the corpus with EVERY problem it must produce, in the order reported. */
const CORPUS: Record<string, Expected[]> = {
  "yaml-syntax.yaml": [["3:1", "YAML syntax: Flow map in block collection must be sufficiently indented and end with a }"]],
  "duplicate-key.yaml": [["9:5", "key `signature` appears twice in the same mapping (first on line 8); YAML keys must be unique"]],
  "tab-indent.yaml": [["8:1", "tabs cannot indent YAML; use spaces"]],
  "signature-unquoted-colon.yaml": [
    [
      "8:16",
      "YAML syntax: Nested mappings are not allowed in compact mappings",
      'a value containing ": " must be quoted, e.g. signature: "question -> answer: integer"',
    ],
  ],
  "unknown-top-keys.yaml": [
    ["6:1", `unknown key \`step\` ${TOP_KEYS}`, "did you mean `steps`?"],
    ["9:1", `unknown key \`metrics\` ${TOP_KEYS}`, "did you mean `metric`?"],
  ],
  "misspelled-step-key.yaml": [["9:5", `unknown key \`instrution\` in \`steps.solve\` ${PREDICT_KEYS}`, "did you mean `instruction`?"]],
  "misspelled-signature-key.yaml": [["8:5", `unknown key \`signatur\` in \`steps.solve\` ${PREDICT_KEYS}`, "did you mean `signature`?"]],
  "unknown-module.yaml": [
    [
      "8:13",
      "`steps.solve.module`: unknown module `chain_of_thougth` (expected one of: predict, chain_of_thought, retrieve, function, react)",
      "did you mean `chain_of_thought`?",
    ],
  ],
  // The column points at the offending character inside the signature string, whatever its quoting.
  "signature-plain.yaml": [["8:35", `\`steps.solve.signature\`: bad signature: unknown type "strng" ${TYPES}`]],
  "signature-double-quoted.yaml": [["8:27", '`steps.solve.signature`: bad signature: input field "question" appears twice']],
  "signature-single-quoted.yaml": [["9:52", '`steps.solve.signature`: bad signature: enum option "Yes" is listed twice']],
  "signature-mapping-type.yaml": [["12:31", `\`steps.solve.signature.outputs.answer\`: bad type: unknown type "strin" ${TYPES}`]],
  "wrong-value-types.yaml": [
    ["11:8", '`steps.search.k`: expected a number, got the text "three"'],
    ["14:18", '`steps.solve.temperature`: expected a number, got the text "hot"'],
  ],
  "missing-signature.yaml": [["8:5", "missing `signature` in `steps.solve`"]],
  "missing-metric.yaml": [["1:1", "`metric`: a program needs a metric"]],
  "unknown-metric.yaml": [
    [
      "10:3",
      "`metric`: unknown metric `exact_mach` (expected one of: exact_match, f1, contains, regex, numeric, json_equal, mean, weighted, llm_judge, module)",
      "did you mean `exact_match`?",
    ],
  ],
  "metric-field.yaml": [
    ["11:20", "`metric.mean[0].exact_match`: `answr` is not a program output (outputs: answer)", "did you mean `answer`?"],
    ["12:20", "`metric.mean[1].f1`: `question` is not a program output (outputs: answer)"],
  ],
  "bad-regex.yaml": [["12:14", "`metric.regex`: invalid regular expression /([a-z]+/: Unterminated group"]],
  "dangling-refs.yaml": [
    ["10:17", "step `solve` input `question`: `$inputs.nope`: the program has no input `nope` (inputs: question)"],
    ["11:13", "step `solve` input `hint`: `$nostep.x`: there is no step `nostep` (steps: solve)"],
  ],
  "missing-step-output.yaml": [
    ["12:14", "step `solve` input `notes`: `$draft.summary`: step `draft` has no output `summary` (outputs: notes)"],
  ],
  "ambiguous-input.yaml": [
    ["12:16", "step `solve` input `question` is ambiguous: it could come from $inputs.question or $clarify.question"],
  ],
  // Points at `context` inside the signature string.
  "no-source.yaml": [
    ["8:26", "step `solve` input `context` has no source: no program input and no earlier step output is named `context`"],
  ],
  "cycle.yaml": [["8:5", "the steps form a cycle: first → second → first"]],
  "type-mismatch.yaml": [["10:27", "step `solve` input `facts` is integer but `$gather.facts` produces list[string]"]],
  "output-names-nothing.yaml": [
    ["6:10", "output `extra`: `$solve.confidence`: step `solve` has no output `confidence` (outputs: answer)"],
    ["7:8", '`outputs.hmm`: expected a reference `$inputs.<field>` or `$<step>.<field>` (e.g. `route.team`), got "nothing at all"'],
  ],
  "bad-demos.yaml": [
    ["12:9", "`steps.solve.demos[0]`: `answr` is not a field of this step (fields: question, answer)", "did you mean `answer`?"],
    ["14:17", '`steps.solve.demos[1].answer`: expected one of: yes, no, got the text "perhaps"'],
  ],
  "unknown-provider.yaml": [
    ["2:5", '`lm`: unknown LM provider "opneai" in "opneai:gpt-4o" (expected provider:model with provider one of sim, openai, anthropic, ollama; did you mean `openai`?)'],
  ],
  // A step without a corpus and one whose corpus file is missing; the step reading both is not
  // also reported as having inputs with "no source".
  "retrieve-corpus.yaml": [
    ["8:5", "missing `corpus` in `steps.search`"],
    ["13:13", "`steps.lookup.corpus`: corpus file not found: test/program/fixtures/no-such-corpus.jsonl"],
  ],
  // Four unrelated mistakes, four problems: the bad input type does not also make `question` "no source".
  "four-mistakes.yaml": [
    ["3:13", `\`inputs.question\`: bad type: unknown type "strin" ${TYPES}`],
    ["9:18", "`steps.solve.temperature`: expected a number at most 2, got 5"],
    ["11:13", "`steps.check.module`: unknown module `predikt` (expected one of: predict, chain_of_thought, retrieve, function, react)", "did you mean `predict`?"],
    ["14:16", "`metric.exact_match`: `verdict` is not a program output (outputs: answer)"],
  ],
  // Schema problems and graph problems in one report: the step with a bad `temperature` and an
  // unknown key is still checked for its wiring (dangling input, cycle) and what reads its outputs
  // (a type mismatch, an output that names nothing); the step whose signature fails to parse
  // causes nothing else (no "dangling" `$broken.whatever`).
  "schema-and-graph.yaml": [
    ["6:12", "output `summary`: `$route.summary`: step `route` has no output `summary` (outputs: team)"],
    ["9:5", "the steps form a cycle: route → draft → route"],
    ["10:18", "`steps.route.temperature`: expected a number at most 2, got 5"],
    ["11:5", `unknown key \`instrution\` in \`steps.route\` ${PREDICT_KEYS}`, "did you mean `instruction`?"],
    ["13:16", "step `route` input `message`: `$inputs.mesage`: the program has no input `mesage` (inputs: message)", "did you mean `message`?"],
    ["18:17", "step `score` input `team` is integer but `$route.team` produces enum(billing, tech)"],
    ["20:35", `\`steps.broken.signature\`: bad signature: unknown type "strng" ${TYPES}`],
    ["27:5", "unknown key `fiel` in `metric.exact_match` (expected one of: field, gold)", "did you mean `field`?"],
  ],
  // Broken wiring entries are reported once: no implicit source is guessed for them.
  "schema-bad-wiring.yaml": [
    ["9:17", '`steps.solve.max_tokens`: expected a number, got the text "lots"'],
    ["11:16", "`steps.solve.inputs.context`: expected a string, got number 3"],
    ["12:13", '`steps.solve.inputs.hint`: expected a reference `$inputs.<field>` or `$<step>.<field>`, got "notaref"'],
    ["13:17", "step `solve` input `question`: `$inputs.questoin`: the program has no input `questoin` (inputs: question)", "did you mean `question`?"],
    ["15:24", "step `check` input `nope` has no source: no program input and no earlier step output is named `nope`"],
  ],
  // Every name that names nothing suggests the close one.
  "near-miss-names.yaml": [
    ["5:9", "output `team`: `$rout.team`: there is no step `rout` (steps: route, next)", "did you mean `route`?"],
    ["6:12", "output `urgency`: `$route.urgncy`: step `route` has no output `urgncy` (outputs: team, urgency)", "did you mean `urgency`?"],
    ["9:24", "step `route` input `message`: `$inputs.mesage`: the program has no input `mesage` (inputs: message)", "did you mean `message`?"],
    ["14:7", "`steps.next.inputs`: `urgncy` is not an input of this step's signature (inputs: teem, urgency)", "did you mean `urgency`?"],
    ["15:17", "step `next` input `teem` has no source: no program input and no earlier step output is named `teem`", "did you mean `team`?"],
  ],
};

async function problemsOf(file: string): Promise<Problem[]> {
  try {
    await loadGraph(file);
  } catch (err) {
    if (err instanceof UserError) return err.problems;
    throw err;
  }
  throw new Error(`${file} loaded without problems`);
}

describe("broken program corpus", () => {
  it.each(Object.entries(CORPUS))("%s", async (name, expected) => {
    const file = path.join(DIR, name);
    const problems = await problemsOf(file);
    const got = problems.map((p) => ({
      file: p.pos?.file,
      at: `${p.pos?.line}:${p.pos?.col}`,
      message: p.message,
      hint: p.hint,
    }));
    expect(got).toEqual(
      expected.map(([at, message, hint]) => ({
        file,
        at,
        message: expect.stringContaining(message),
        hint: hint === undefined ? undefined : hint,
      })),
    );
  });

  it("covers every file of the corpus", async () => {
    const { readdir } = await import("node:fs/promises");
    const files = (await readdir(DIR)).filter((f) => f.endsWith(".yaml")).sort();
    expect(files).toEqual(Object.keys(CORPUS).sort());
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it("reports problems sorted by line, then column", async () => {
    for (const name of Object.keys(CORPUS)) {
      const problems = await problemsOf(path.join(DIR, name));
      const keys = problems.map((p) => [p.pos!.line!, p.pos!.col!] as const);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(keys, name).toEqual(sorted);
    }
  });

  it("formats each problem as file:line:col: message (hint)", async () => {
    const file = path.join(DIR, "unknown-module.yaml");
    await expect(loadGraph(file)).rejects.toThrow(
      `${file}:8:13: \`steps.solve.module\`: unknown module \`chain_of_thougth\` (expected one of: predict, chain_of_thought, retrieve, function, react) (did you mean \`chain_of_thought\`?)`,
    );
  });
});
