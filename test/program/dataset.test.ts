import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDataset, readExamples, type ReadDatasetOptions } from "../../src/program/dataset.js";
import { closedGolds } from "../../src/program/gold.js";
import { parseType } from "../../src/signature/parse.js";
import type { Field } from "../../src/signature/types.js";
import { brief, problemsOf, tempDir, writeFiles } from "./helpers.js";

const QUESTION: Field = { name: "question", type: { kind: "string" }, typed: false };
const COUNT: Field = { name: "count", type: parseType("integer"), typed: true };
const TAGS: Field = { name: "tags", type: parseType("list[enum(a, b)]"), typed: true };

function dataset(lines: string[]): string {
  return path.join(writeFiles({ "data.jsonl": lines.join("\n") }), "data.jsonl");
}

/** How the reader shows a file in its problems: relative to the working directory. */
const shown = (file: string) => path.relative(process.cwd(), file);

/** The id of a row without one: the first 12 hex digits of sha256 over its key-sorted JSON. */
const contentId = (canonical: string) => createHash("sha256").update(canonical).digest("hex").slice(0, 12);

/** The examples of a dataset, read to its end. */
async function read(file: string, options: ReadDatasetOptions) {
  return (await readExamples(file, options)).examples;
}

describe("readDataset", () => {
  it("splits rows into inputs and labels, skipping blank lines but keeping line numbers", async () => {
    const file = dataset([
      '{"id": "q1", "question": "What is 2+2?", "answer": "4", "topic": "math"}',
      "",
      "   ",
      '{"id": 7, "question": "Capital of France?", "answer": "Paris"}',
      "",
    ]);
    expect(await read(file, { inputs: [QUESTION] })).toEqual([
      {
        id: "q1",
        inputs: { question: "What is 2+2?" },
        labels: { answer: "4", topic: "math" },
        source: { file: shown(file), line: 1 },
      },
      { id: "7", inputs: { question: "Capital of France?" }, labels: { answer: "Paris" }, source: { file: shown(file), line: 4 } },
    ]);
  });

  it("gives a row without id a stable 12-character content hash", async () => {
    const row = '{"question": "a", "answer": "x"}';
    const first = await read(dataset([row, '{"question": "b", "answer": "x"}']), { inputs: [QUESTION] });
    // Key order does not matter: the hash is over canonical JSON.
    const again = await read(dataset(['{"answer": "x", "question": "a"}']), { inputs: [QUESTION] });
    expect(first[0]!.id).toBe(contentId('{"answer":"x","question":"a"}'));
    expect(first[0]!.id).toMatch(/^[0-9a-f]{12}$/);
    expect(again[0]!.id).toBe(first[0]!.id);
    expect(first[1]!.id).toBe(contentId('{"answer":"x","question":"b"}'));
    expect(first[1]!.id).not.toBe(first[0]!.id);
  });

  it("takes inputs of their declared types as they are, and refuses others rather than converting them", async () => {
    const file = dataset(['{"question": "q", "count": 3, "tags": ["a", "b"]}', '{"question": "  r  ", "count": 4.0, "tags": []}']);
    expect((await read(file, { inputs: [QUESTION, COUNT, TAGS] })).map((r) => r.inputs)).toEqual([
      { question: "q", count: 3, tags: ["a", "b"] },
      { question: "  r  ", count: 4, tags: [] },
    ]);
    const TEXT: Field = { name: "text", type: parseType("string"), typed: true };
    const FLAG: Field = { name: "flag", type: parseType("boolean"), typed: true };
    const bad = dataset([
      '{"text": 5, "count": "3", "tags": "a, b", "flag": "true"}',
      '{"text": "ok", "count": 1, "tags": ["a", "B"], "flag": true}',
      '{"text": "ok", "count": 2, "tags": ["a", ["b"]], "flag": 0}',
    ]);
    expect(brief(await problemsOf(readExamples(bad, { inputs: [TEXT, COUNT, TAGS, FLAG] })))).toEqual([
      "1:2 input `text` should be string: got 5",
      '1:13 input `count` should be integer: got "3"',
      '1:27 input `tags` should be list[enum(a, b)]: got "a, b"',
      '1:43 input `flag` should be boolean: got "true"',
      '2:28 input `tags` should be list[enum(a, b)]: item 2: got "B" (did you mean "b"?)',
      '3:28 input `tags` should be list[enum(a, b)]: item 2: got ["b"]',
      "3:50 input `flag` should be boolean: got 0",
    ]);
    // An input with no declared type takes any value.
    expect((await read(dataset(['{"question": 5}']), { inputs: [QUESTION] }))[0]!.inputs).toEqual({ question: 5 });
  });

  it("refuses a gold value an exact_match'd closed output can never take, at its file:line:column", async () => {
    const outputs = [
      { name: "sentiment", type: parseType("enum(positive, negative, neutral)") },
      { name: "urgent", type: parseType("boolean") },
      { name: "tags", type: parseType("list[enum(a, b)]") },
      { name: "answer", type: parseType("string") },
    ];
    const metric = {
      kind: "mean" as const,
      metrics: [
        { kind: "exact_match" as const, field: "sentiment", gold: "sentiment" },
        { kind: "exact_match" as const, field: "urgent", gold: "urgent" },
        { kind: "exact_match" as const, field: "tags", gold: "tags" },
        { kind: "exact_match" as const, field: "answer", gold: "answer" },
        { kind: "f1" as const, field: "sentiment", gold: "mood" },
      ],
    };
    const rules = { inputs: [QUESTION], closedGolds: closedGolds(metric, outputs) };
    const file = dataset([
      // As exact_match compares: case, spacing and punctuation do not matter; a list is "any of these".
      '{"question": "a", "sentiment": "Positive.", "urgent": "TRUE", "tags": ["a", ["b"]], "answer": "anything", "mood": "happy"}',
      '{"question": "b", "sentiment": "happy", "urgent": false, "tags": []}',
      '{"question": "c", "sentiment": ["neutral", "glad"], "urgent": "yes", "tags": ["c"]}',
      '{"question": "d", "sentiment": null, "urgent": 1, "tags": "a"}',
    ]);
    const problems = await problemsOf(readExamples(file, rules));
    expect(problems.every((p) => p.pos?.file === shown(file))).toBe(true);
    const why = ": exact_match would score it 0 whatever the program answers";
    const values = "should be one of the output's values";
    expect(brief(problems)).toEqual([
      `2:19 gold \`sentiment\` ${values} (positive, negative, neutral), got "happy"${why}`,
      `3:19 gold \`sentiment\` ${values} (positive, negative, neutral), got "glad"${why}`,
      `3:53 gold \`urgent\` ${values} (false, true), got "yes"${why}`,
      `3:70 gold \`tags\` ${values} (a, b), got "c"${why}`,
      `4:19 gold \`sentiment\` ${values} (positive, negative, neutral), got null${why}`,
      `4:38 gold \`urgent\` ${values} (false, true), got 1${why}`,
    ]);
    // A gold field under another name says which output it is compared with.
    const renamed = closedGolds({ kind: "exact_match", field: "sentiment", gold: "label" }, outputs);
    expect(brief(await problemsOf(readExamples(dataset(['{"question": "a", "label": "joy"}']), { inputs: [QUESTION], closedGolds: renamed })))).toEqual([
      `1:19 gold \`label\` (compared with output \`sentiment\`) ${values} (positive, negative, neutral), got "joy"${why}`,
    ]);
    // At weight 0 the metric does not count, so neither does its gold.
    expect(closedGolds({ kind: "weighted", metrics: [{ weight: 0, metric: { kind: "exact_match", field: "sentiment", gold: "sentiment" } }] }, outputs)).toEqual([]);
  });

  it("keeps identical rows without an id as examples of their own, reads a repeated id once, and says so", async () => {
    const file = dataset([
      '{"id": "q1", "question": "a", "answer": "x"}',
      '{"id": "q1", "question": "a", "answer": "x"}',
      '{"question": "same", "answer": "y"}',
      '{"question": "same", "answer": "y"}',
      '{"id": "q1", "question": "a", "answer": "DIFFERENT"}',
    ]);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION] })))).toEqual([
      '5:2 duplicate id "q1" (first on line 1) with different content',
    ]);
    const ok = dataset([
      '{"id": "q1", "question": "a"}',
      '{"id": "q1", "question": "a"}',
      '{"question": "s"}',
      '{"question": "s"}',
      '{"question": "t"}',
      '{"answer": 1, "question": "s"}',
      '{"question": "s"}',
    ]);
    const s = contentId('{"question":"s"}');
    const { examples, warnings } = await readExamples(ok, { inputs: [QUESTION] });
    expect(examples.map((r) => [r.id, r.source?.line])).toEqual([
      ["q1", 1],
      [s, 3],
      [`${s}#2`, 4],
      [contentId('{"question":"t"}'), 5],
      [contentId('{"answer":1,"question":"s"}'), 6],
      [`${s}#3`, 7],
    ]);
    expect(brief(warnings)).toEqual([
      "4:- 2 rows repeat an earlier row exactly and have no `id`: each is kept as an example of its own (lines 4, 7); give the rows ids, or remove the copies",
      "2:- 1 row repeats an earlier row exactly, `id` included: each is read once (line 2)",
    ]);
    expect(warnings.every((w) => w.pos?.file === shown(ok))).toBe(true);
    // The same file gives the same ids again (they key recorded results).
    expect((await read(ok, { inputs: [QUESTION] })).map((r) => r.id)).toEqual(examples.map((r) => r.id));
  });

  it("hands each example over as it is read, and reports the file's problems once it is read", async () => {
    const file = dataset(['{"question": "1"}', '{"question": "2", "count": 1}', '{"question": "3"}', "oops"]);
    const seen: unknown[] = [];
    const problems = await problemsOf(readDataset(file, { inputs: [QUESTION, COUNT] }, (e) => seen.push(e.inputs.question)));
    expect(brief(problems).map((l) => l.slice(0, 40))).toEqual([
      "1:1 missing program input `count` (row h",
      "3:1 missing program input `count` (row h",
      "4:1 not valid JSON: Unexpected token 'o'",
    ]);
    expect(seen).toEqual(["2"]);
    expect(await readDataset(dataset(['{"question": "a"}', "", '{"question": "b"}']), { inputs: [QUESTION] }, () => {})).toEqual({ count: 2, warnings: [] });
  });

  it("reports every bad line at once, each with file:line:col", async () => {
    const file = dataset([
      '{"question": "fine", "count": 1}',
      '{"answer": "no question", "count": 2}',
      '{"question": "c", oops}',
      "[1, 2]",
      '{"question": "d", "count": "many"}',
      "null",
      '{"count": 1, "question": null}',
      '{"id": {"x": 1}, "question": "e", "count": 1}',
      '"just text"',
      '{"question": "fine too", "count": "2"}',
    ]);
    const problems = await problemsOf(readExamples(file, { inputs: [QUESTION, COUNT] }));
    expect(problems.every((p) => p.pos?.file === shown(file))).toBe(true);
    expect(brief(problems)).toEqual([
      "2:1 missing program input `question` (row has: answer, count)",
      "3:19 not valid JSON: Expected double-quoted property name",
      "4:1 expected a JSON object per line",
      '5:19 input `count` should be integer: got "many"',
      "6:1 expected a JSON object per line",
      "7:14 program input `question` is null",
      '8:2 `id` should be a string or a number, got {"x":1}',
      "9:1 expected a JSON object per line",
      '10:26 input `count` should be integer: got "2"',
    ]);
  });

  it("points at the real column of JSON errors V8 reports without a position", async () => {
    const file = dataset([
      '{"question": "cut off", "count": tru',
      '{"question": "a}", "count": 1, "x": }',
      '{"question": "b", "count": {"n": 1}, "y": tru}',
      '{"question": "c", "count": 1',
    ]);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION, COUNT] })))).toEqual([
      "1:37 not valid JSON: Unexpected end of JSON input",
      "2:37 not valid JSON: Unexpected token '}'",
      "3:46 not valid JSON: Unexpected token '}'",
      "4:29 not valid JSON: Expected ',' or '}' after property value",
    ]);
  });

  it("sorts several problems of one line by column", async () => {
    const file = dataset(['{"tags": "a, c", "count": 1.5}']);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION, COUNT, TAGS] })))).toEqual([
      "1:1 missing program input `question` (row has: tags, count)",
      '1:2 input `tags` should be list[enum(a, b)]: got "a, c"',
      "1:18 input `count` should be integer: got 1.5",
    ]);
  });

  it("names the missing field and what the row has", async () => {
    const file = dataset(['{"q": "typo"}', "{}"]);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION] })))).toEqual([
      "1:1 missing program input `question` (row has: q)",
      "2:1 missing program input `question` (row has: no fields)",
    ]);
  });

  it("reports rows lacking the metric's gold fields together with the file's other bad lines", async () => {
    const file = dataset(['{"question": "a", "answer": "x"}', '{"question": "b"}', '{"question": "c", oops}', "{}"]);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION], labels: ["answer"] })))).toEqual([
      "2:1 missing `answer`, which the metric compares against",
      "3:19 not valid JSON: Expected double-quoted property name",
      "4:1 missing `answer`, which the metric compares against",
      "4:1 missing program input `question` (row has: no fields)",
    ]);
  });

  it("reads past a byte-order mark", async () => {
    const file = dataset(['\uFEFF{"id": "a", "question": "x"}']);
    expect((await read(file, { inputs: [QUESTION] })).map((r) => r.id)).toEqual(["a"]);
  });

  it("stops after `limit` examples", async () => {
    const file = dataset(['{"question": "1"}', "", '{"question": "2"}', '{"question": "3"}']);
    expect((await read(file, { inputs: [QUESTION], limit: 2 })).map((r) => r.inputs.question)).toEqual(["1", "2"]);
    expect(await read(file, { inputs: [QUESTION], limit: 0 })).toEqual([]);
  });

  it("says clearly when the file is missing or is a directory", async () => {
    const dir = tempDir();
    const missing = path.join(dir, "nope.jsonl");
    expect(await problemsOf(readExamples(missing, { inputs: [QUESTION] }))).toEqual([
      { message: "cannot read dataset: file not found", pos: { file: shown(missing) } },
    ]);
    expect(await problemsOf(readExamples(dir, { inputs: [QUESTION] }))).toEqual([
      { message: "dataset is a directory, expected a JSONL file", pos: { file: shown(dir) } },
    ]);
  });

  it("refuses rows nested too deeply at file:line:column, with the file's other bad lines", async () => {
    const deep = `{"question": "q", "tree": ${"[".repeat(150_000)}${"]".repeat(150_000)}}`;
    const file = dataset(['{"question": "fine"}', deep, "{oops", `{"question": "brackets in strings do not count: ${"[".repeat(500)}"}`]);
    expect(brief(await problemsOf(readExamples(file, { inputs: [QUESTION] })))).toEqual([
      "2:126 nested more than 100 levels deep (arrays and objects inside each other); dspx reads values up to 100 levels",
      "3:2 not valid JSON: Expected property name or '}'",
    ]);
    // 100 levels are read.
    const ok = dataset([`{"question": "q", "tree": ${"[".repeat(99)}${"]".repeat(99)}}`]);
    expect(await read(ok, { inputs: [QUESTION] })).toHaveLength(1);
  });

  it("refuses a line longer than the limit at its line number, and a file that is not a regular one before reading it", async () => {
    const file = dataset(['{"question": "1"}', `{"question": "${"x".repeat(5000)}"}`]);
    expect(await problemsOf(readExamples(file, { inputs: [QUESTION], maxLineBytes: 4096 }))).toEqual([
      { message: "this line is longer than 4 KiB, the longest dspx reads", pos: { file: shown(file), line: 2 } },
    ]);
    expect(await problemsOf(readExamples("/dev/zero", { inputs: [QUESTION] }))).toEqual([
      { message: "dataset is a character device, expected a JSONL file (dspx reads regular files only)", pos: { file: shown("/dev/zero") } },
    ]);
  });

  it("reads the example datasets cleanly", async () => {
    const rows = await read(path.resolve("datasets/support-triage/dev.jsonl"), { inputs: [{ ...QUESTION, name: "message" }] });
    expect(rows.length).toBe(70);
    expect(new Set(rows.map((r) => r.id)).size).toBe(70);
  });
});
