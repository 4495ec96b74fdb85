import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const TRIAGE = "programs/support-triage.yaml";
const OPTIMIZE_BROKEN = "test/cli/fixtures/broken-optimize.yaml";
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("error:"));

describe("dspx validate", () => {
  it("prints the compiled graph of a valid program", async () => {
    const r = await runCli(["validate", TRIAGE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("support-triage is valid");
    expect(r.stdout).toMatch(/route\s+chain_of_thought on sim/);
    expect(r.stdout).toContain("message: string ← $inputs.message");
    expect(r.stdout).toContain("reasoning: string, team: enum(billing, technical, account, shipping, returns, security, other)");
    expect(r.stdout).toContain("mean(exact_match(team), exact_match(urgency))");
    expect(r.stdout).toMatch(/train \d+ · dev \d+ · test \d+ examples/);
  });

  it("shows a retrieve step's corpus and k (defaults included)", async () => {
    const r = await runCli(["validate", "programs/product-qa.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("corpus ../datasets/product-qa/corpus.jsonl · k 3 · include_title false");
    const j = await runCli(["validate", "programs/product-qa.yaml", "--json"]);
    expect(JSON.parse(j.stdout).steps[0].options).toEqual({ corpus: "../datasets/product-qa/corpus.jsonl", k: 3, include_title: false });
  });

  it("prints only JSON on stdout with --json", async () => {
    const r = await runCli(["validate", TRIAGE, "--json"]);
    expect(r.code).toBe(0);
    const graph = JSON.parse(r.stdout);
    expect(graph.valid).toBe(true);
    expect(graph.steps.map((s: { name: string }) => s.name)).toEqual(["route"]);
    expect(graph.steps[0].inputs).toEqual([{ name: "message", type: "string", from: "$inputs.message" }]);
    expect(graph.data.map((d: { split: string }) => d.split)).toEqual(["train", "dev", "test"]);
  });

  it("reports every problem of a broken file with positions, exit 2, no stack trace", async () => {
    const r = await runCli(["validate", "test/cli/fixtures/broken.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
    expect(lines).toEqual([
      expect.stringContaining("test/cli/fixtures/broken.yaml:8:13: `steps.answer.module`: unknown module `predictt`"),
      expect.stringContaining("test/cli/fixtures/broken.yaml:9:37: `steps.answer.signature`: bad signature: unknown type \"lst\""),
      expect.stringContaining("test/cli/fixtures/broken.yaml:10:5: unknown key `instrution`"),
      expect.stringContaining("test/cli/fixtures/broken.yaml:12:16: `metric.exact_match`: `answr` is not a program output"),
    ]);
    expect(r.stderr).toContain("did you mean `predict`?");
    expect(r.stderr).toContain("did you mean `instruction`?");
    expect(r.stderr).toContain("did you mean `answer`?");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects in the optimize: section what dspx optimize rejects, with the same messages: exit 2, file:line:column, did-you-mean", async () => {
    const validate = await runCli(["validate", OPTIMIZE_BROKEN]);
    expect(validate.code).toBe(2);
    expect(validate.stdout).toBe("");
    expect(errorLines(validate.stderr)).toEqual([
      `error: ${OPTIMIZE_BROKEN}:15:14: \`optimize.optimizer\`: expected one of: labeled, bootstrap, random_search, beam, gepa, mipro, or a list of them to run in sequence, got the text "gepaa" (did you mean \`gepa\`?)`,
      `error: ${OPTIMIZE_BROKEN}:16:13: unknown key \`callz\` in \`optimize.budget\` (expected one of: calls, usd, time, rollouts) (did you mean \`calls\`?)`,
      `error: ${OPTIMIZE_BROKEN}:18:16: \`optimize.gepa.minibatch\`: expected a whole number ≥ 1, got number 0`,
      `error: ${OPTIMIZE_BROKEN}:19:5: unknown key \`mergez\` in \`optimize.gepa\` (expected one of: minibatch, merges, merge_subsample, iterations, patience) (did you mean \`merges\`?)`,
      `error: ${OPTIMIZE_BROKEN}:21:12: \`optimize.beam.width\`: expected a whole number ≥ 1, got the text "wide"`,
    ]);
    expect(validate.stderr).not.toMatch(/\n\s+at /);
    const optimize = await runCli(["optimize", OPTIMIZE_BROKEN, "--budget-calls", "10"]);
    expect(optimize.code).toBe(2);
    expect(errorLines(optimize.stderr)).toEqual(errorLines(validate.stderr));
  });

  it("rejects a sequence as dspx optimize does: an optimizer named twice, a budget split not adding up to 100%", async () => {
    const file = "test/cli/fixtures/broken-sequence.yaml";
    const validate = await runCli(["validate", file]);
    expect(validate.code).toBe(2);
    expect(errorLines(validate.stderr)).toEqual([
      `error: ${file}:15:32: \`optimize.optimizer\`: \`bootstrap\` is already in the sequence; a sequence runs each optimizer once`,
      `error: ${file}:16:17: \`optimize.budget_split\`: the shares add up to 90%, not 100%`,
    ]);
    const optimize = await runCli(["optimize", file, "--budget-calls", "10"]);
    expect(optimize.code).toBe(2);
    expect(errorLines(optimize.stderr)).toEqual(errorLines(validate.stderr));
    // On the command line: each name checked, each once.
    const flag = await runCli(["optimize", TRIAGE, "--optimizer", "bootstrap,gepx"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("expected one of: labeled, bootstrap, random_search, beam, gepa");
    const twice = await runCli(["optimize", TRIAGE, "--optimizer", "gepa,gepa"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("`gepa` is named twice; a sequence runs each optimizer once");
  });

  it("names where the program names a dataset it cannot read, every one at once", async () => {
    const r = await runCli(["validate", "test/cli/fixtures/missing-data.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      "error: test/cli/fixtures/no-such-train.jsonl: cannot read dataset: file not found (named by `data.train` at test/cli/fixtures/missing-data.yaml:13:10)",
      "error: test/cli/fixtures: dataset is a directory, expected a JSONL file (named by `data.dev` at test/cli/fixtures/missing-data.yaml:14:8)",
    ]);
    const e = await runCli(["eval", TRIAGE, "--dataset", "test/cli/fixtures/no-such.jsonl"]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("error: test/cli/fixtures/no-such.jsonl: cannot read dataset: file not found (given with --dataset)");
  });

  it("shows the stack trace with --verbose", async () => {
    const r = await runCli(["--verbose", "validate", "test/cli/fixtures/broken.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe("dspx run", () => {
  it("prints the outputs of one prediction", async () => {
    const r = await runCli(["run", TRIAGE, "--input", JSON.stringify({ message: "I was charged twice, refund the billing error" })]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^team: billing$/m);
    expect(r.stdout).toMatch(/^urgency: (low|normal|high)$/m);
    expect(r.stderr).toContain("running on `sim`");
  });

  it("prints JSON only with --json, and every step with --verbose", async () => {
    const input = JSON.stringify({ message: "my package never arrived" });
    const plain = await runCli(["run", TRIAGE, "--input", input, "--json"]);
    expect(plain.code).toBe(0);
    const out = JSON.parse(plain.stdout);
    expect(Object.keys(out)).toEqual(["outputs"]);
    expect(Object.keys(out.outputs).sort()).toEqual(["team", "urgency"]);
    const verbose = await runCli(["--verbose", "run", TRIAGE, "--input", input, "--json"]);
    const v = JSON.parse(verbose.stdout);
    expect(v.steps).toHaveLength(1);
    expect(v.steps[0].step).toBe("route");
    expect(typeof v.steps[0].outputs.reasoning).toBe("string");
  });

  it("reads inputs from a file or stdin", async () => {
    const r = await runCli(["run", TRIAGE, "--input-file", "-", "--json"], { stdin: '{"message": "reset my password please"}' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outputs.team).toBeDefined();
  });

  it("rejects missing, malformed and mismatched inputs with exit 2", async () => {
    const none = await runCli(["run", TRIAGE]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--input");
    const bad = await runCli(["run", TRIAGE, "--input", "{message: hi}"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--input: not valid JSON");
    // A misspelt input is one problem naming the flag, with the close name; not also "missing".
    const wrong = await runCli(["run", TRIAGE, "--input", '{"mesage": "hi"}']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      "error: --input: unknown input `mesage` (inputs: message) (did you mean `message`?)",
    ]);
    const missing = await runCli(["run", TRIAGE, "--input-file", "-"], { stdin: '{"text": "hi"}' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: --input-file: missing input `message`");
    expect(missing.stderr).toContain("error: --input-file: unknown input `text` (inputs: message)\n");
  });

  it("checks each input against its declared type, converting nothing, naming the flag", async () => {
    const errors = (r: { stderr: string }) => r.stderr.trim().split("\n").filter((l) => l.startsWith("error:"));
    const number = await runCli(["run", TRIAGE, "--input", '{"message": 5}']);
    expect(number.code).toBe(2);
    expect(errors(number)).toEqual(["error: --input: input `message` should be string: got 5"]);
    const list = await runCli(["run", TRIAGE, "--input-file", "-"], { stdin: '{"message": ["hi"]}' });
    expect(list.code).toBe(2);
    expect(errors(list)).toEqual(['error: --input-file: input `message` should be string: got ["hi"]']);
  });

  it("rejects an unknown LM provider naming the flag", async () => {
    const r = await runCli(["run", TRIAGE, "--input", '{"message": "hi"}', "--lm", "opneai:gpt-4o"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--lm: unknown LM provider \"opneai\"");
    expect(r.stderr).toContain("did you mean `openai`?");
  });
});
