import { describe, expect, it } from "vitest";
import { writeFiles } from "../program/helpers.js";
import { runCli, type CliResult } from "../support/cli.js";

// validate, eval and optimize read datasets through one function (api/data.ts `datasetRules` +
// `loadExamples`/`streamExamples`): each refuses what the others refuse, and says what they say.

const PROGRAM = `name: sentiment
inputs:
  text: { type: string }
outputs:
  sentiment: classify.sentiment
steps:
  classify:
    signature: "text -> sentiment: enum(positive, negative, neutral)"
metric:
  exact_match: sentiment
data:
  train: train.jsonl
  dev: dev.jsonl
  test: test.jsonl
`;

const row = (text: string, sentiment: string, id?: string) => JSON.stringify({ ...(id ? { id } : {}), text, sentiment });
const TRAIN = [
  row("I love it", "positive", "t1"),
  row("It broke on day one", "negative", "t2"),
  row("It is a chair", "neutral", "t3"),
  row("Best purchase this year", "positive", "t4"),
  row("Never again", "negative", "t5"),
  row("Arrived on Tuesday", "neutral", "t6"),
];

function project(dev: string[], test: string[] = [row("Fine, I guess", "neutral", "x1")]): string {
  return writeFiles({ "program.yaml": PROGRAM, "train.jsonl": TRAIN.join("\n") + "\n", "dev.jsonl": dev.join("\n") + "\n", "test.jsonl": test.join("\n") + "\n" });
}

const errors = (r: CliResult) => r.stderr.split("\n").filter((l) => l.startsWith("error:"));
const notes = (r: CliResult) => r.stderr.split("\n").filter((l) => l.startsWith("note:") && !l.includes("sim"));

describe("dataset checks shared by validate, eval and optimize", () => {
  it("refuse a gold value outside the output's enum at file:line:column, before any LM call", async () => {
    const cwd = project([row("Great value", "positive", "d1"), row("So happy with it", "happy", "d2")]);
    const expected = [
      "error: dev.jsonl:2:38: gold `sentiment` should be one of the output's values (positive, negative, neutral), got \"happy\": exact_match would score it 0 whatever the program answers",
    ];
    for (const args of [["validate", "program.yaml"], ["eval", "program.yaml"], ["optimize", "program.yaml", "--optimizer", "labeled"]]) {
      const r = await runCli(args, { cwd });
      expect({ args, code: r.code, errors: errors(r) }).toEqual({ args, code: 2, errors: expected });
    }
  });

  it("report dev and test examples whose inputs are in train (leakage) with the count and a few ids, as warnings", async () => {
    const dev = [row("I love it", "positive", "d1"), row("Never again", "negative", "d2"), row("Meh", "neutral", "d3"), row("Arrived on Tuesday", "neutral", "d4")];
    const test = [row("It is a chair", "negative", "x1"), row("Lovely colour", "positive", "x2")];
    const cwd = project(dev, test);
    const devNote = 'dev.jsonl: dev shares the inputs of 3 of its 4 examples with train ("d1", "d2", "d4"), a leak: their scores overstate how the program does on inputs it has not seen';
    const testNote = 'test.jsonl: test shares the inputs of 1 of its 2 examples with train ("x1"), a leak: their scores overstate how the program does on inputs it has not seen';

    const validate = await runCli(["validate", "program.yaml"], { cwd });
    expect(validate.code).toBe(0);
    expect(notes(validate)).toEqual([`note: ${devNote}`, `note: ${testNote}`]);
    const json = await runCli(["validate", "program.yaml", "--json"], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).warnings).toEqual([
      { message: devNote.replace("dev.jsonl: ", ""), file: "dev.jsonl" },
      { message: testNote.replace("test.jsonl: ", ""), file: "test.jsonl" },
    ]);

    const evalDev = await runCli(["eval", "program.yaml", "--json"], { cwd });
    expect(evalDev.code).toBe(0);
    expect(notes(evalDev)).toEqual([`note: ${devNote}`]);
    expect(JSON.parse(evalDev.stdout).warnings).toEqual([{ message: devNote.replace("dev.jsonl: ", ""), file: "dev.jsonl" }]);
    const evalTest = await runCli(["eval", "program.yaml", "--split", "test"], { cwd });
    expect(notes(evalTest)).toEqual([`note: ${testNote}`]);
    // Train itself is no leak.
    const evalTrain = await runCli(["eval", "program.yaml", "--split", "train"], { cwd });
    expect(notes(evalTrain)).toEqual([]);

    const optimize = await runCli(["optimize", "program.yaml", "--optimizer", "labeled"], { cwd });
    expect(optimize.code).toBe(0);
    expect(notes(optimize)).toEqual([`note: ${devNote}`, `note: ${testNote}`]);

    // Nothing shared, nothing said.
    const clean = project([row("Meh", "neutral", "d3")]);
    expect(notes(await runCli(["validate", "program.yaml"], { cwd: clean }))).toEqual([]);
    expect(JSON.parse((await runCli(["validate", "program.yaml", "--json"], { cwd: clean })).stdout).warnings).toEqual([]);
  });

  it("keep two identical rows without an id as two examples, and say so", async () => {
    const cwd = project([row("Meh", "neutral"), row("Meh", "neutral"), row("Great value", "positive")]);
    const warning = "dev.jsonl:2: 1 row repeats an earlier row exactly and has no `id`: each is kept as an example of its own (line 2); give the rows ids, or remove the copies";
    const validate = await runCli(["validate", "program.yaml", "--json"], { cwd });
    expect(JSON.parse(validate.stdout).data.find((d: { split: string }) => d.split === "dev").examples).toBe(3);
    expect(notes(validate)).toEqual([`note: ${warning}`]);
    const evaluated = await runCli(["eval", "program.yaml", "--json"], { cwd });
    expect(JSON.parse(evaluated.stdout).summary.done).toBe(3);
    expect(notes(evaluated)).toEqual([`note: ${warning}`]);
  });
});
