import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDataset } from "../../src/program/dataset.js";
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

describe("readDataset", () => {
  it("splits rows into inputs and labels, skipping blank lines but keeping line numbers", async () => {
    const file = dataset([
      '{"id": "q1", "question": "What is 2+2?", "answer": "4", "topic": "math"}',
      "",
      "   ",
      '{"id": 7, "question": "Capital of France?", "answer": "Paris"}',
      "",
    ]);
    expect(await readDataset(file, { inputs: [QUESTION] })).toEqual([
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
    const first = await readDataset(dataset([row, '{"question": "b", "answer": "x"}']), { inputs: [QUESTION] });
    // Key order does not matter: the hash is over canonical JSON.
    const again = await readDataset(dataset(['{"answer": "x", "question": "a"}']), { inputs: [QUESTION] });
    expect(first[0]!.id).toBe(contentId('{"answer":"x","question":"a"}'));
    expect(first[0]!.id).toMatch(/^[0-9a-f]{12}$/);
    expect(again[0]!.id).toBe(first[0]!.id);
    expect(first[1]!.id).toBe(contentId('{"answer":"x","question":"b"}'));
    expect(first[1]!.id).not.toBe(first[0]!.id);
  });

  it("coerces inputs to their declared types", async () => {
    const file = dataset(['{"question": "q", "count": "3.0", "tags": "A, b"}', '{"question": "r", "count": 4, "tags": ["b"]}']);
    const rows = await readDataset(file, { inputs: [QUESTION, COUNT, TAGS] });
    expect(rows.map((r) => r.inputs)).toEqual([
      { question: "q", count: 3, tags: ["a", "b"] },
      { question: "r", count: 4, tags: ["b"] },
    ]);
  });

  it("keeps one of two identical rows and reports the same id with different content", async () => {
    const file = dataset([
      '{"id": "q1", "question": "a", "answer": "x"}',
      '{"id": "q1", "question": "a", "answer": "x"}',
      '{"question": "same", "answer": "y"}',
      '{"question": "same", "answer": "y"}',
      '{"id": "q1", "question": "a", "answer": "DIFFERENT"}',
    ]);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION] })))).toEqual([
      '5:2 duplicate id "q1" (first on line 1) with different content',
    ]);
    const ok = dataset(['{"id": "q1", "question": "a"}', '{"id": "q1", "question": "a"}', '{"question": "s"}', '{"question": "s"}']);
    expect((await readDataset(ok, { inputs: [QUESTION] })).map((r) => [r.id, r.source?.line])).toEqual([
      ["q1", 1],
      [contentId('{"question":"s"}'), 3],
    ]);
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
    const problems = await problemsOf(readDataset(file, { inputs: [QUESTION, COUNT] }));
    expect(problems.every((p) => p.pos?.file === shown(file))).toBe(true);
    expect(brief(problems)).toEqual([
      "2:1 missing program input `question` (row has: answer, count)",
      "3:19 not valid JSON: Expected double-quoted property name",
      "4:1 expected a JSON object per line",
      '5:19 input `count` should be integer: expected an integer, got "many"',
      "6:1 expected a JSON object per line",
      "7:14 program input `question` is null",
      '8:2 `id` should be a string or a number, got {"x":1}',
      "9:1 expected a JSON object per line",
    ]);
  });

  it("points at the real column of JSON errors V8 reports without a position", async () => {
    const file = dataset([
      '{"question": "cut off", "count": tru',
      '{"question": "a}", "count": 1, "x": }',
      '{"question": "b", "count": {"n": 1}, "y": tru}',
      '{"question": "c", "count": 1',
    ]);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION, COUNT] })))).toEqual([
      "1:37 not valid JSON: Unexpected end of JSON input",
      "2:37 not valid JSON: Unexpected token '}'",
      "3:46 not valid JSON: Unexpected token '}'",
      "4:29 not valid JSON: Expected ',' or '}' after property value",
    ]);
  });

  it("sorts several problems of one line by column", async () => {
    const file = dataset(['{"tags": "a, c", "count": 1.5}']);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION, COUNT, TAGS] })))).toEqual([
      "1:1 missing program input `question` (row has: tags, count)",
      '1:2 input `tags` should be list[enum(a, b)]: item 2: expected one of: a, b, got "a, c"',
      "1:18 input `count` should be integer: expected an integer, got 1.5",
    ]);
  });

  it("names the missing field and what the row has", async () => {
    const file = dataset(['{"q": "typo"}', "{}"]);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION] })))).toEqual([
      "1:1 missing program input `question` (row has: q)",
      "2:1 missing program input `question` (row has: no fields)",
    ]);
  });

  it("reports rows lacking the metric's gold fields together with the file's other bad lines", async () => {
    const file = dataset(['{"question": "a", "answer": "x"}', '{"question": "b"}', '{"question": "c", oops}', "{}"]);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION], labels: ["answer"] })))).toEqual([
      "2:1 missing `answer`, which the metric compares against",
      "3:19 not valid JSON: Expected double-quoted property name",
      "4:1 missing `answer`, which the metric compares against",
      "4:1 missing program input `question` (row has: no fields)",
    ]);
  });

  it("reads past a byte-order mark", async () => {
    const file = dataset(['\uFEFF{"id": "a", "question": "x"}']);
    expect((await readDataset(file, { inputs: [QUESTION] })).map((r) => r.id)).toEqual(["a"]);
  });

  it("stops after `limit` examples", async () => {
    const file = dataset(['{"question": "1"}', "", '{"question": "2"}', '{"question": "3"}']);
    expect((await readDataset(file, { inputs: [QUESTION], limit: 2 })).map((r) => r.inputs.question)).toEqual(["1", "2"]);
    expect(await readDataset(file, { inputs: [QUESTION], limit: 0 })).toEqual([]);
  });

  it("says clearly when the file is missing or is a directory", async () => {
    const dir = tempDir();
    const missing = path.join(dir, "nope.jsonl");
    expect(await problemsOf(readDataset(missing, { inputs: [QUESTION] }))).toEqual([
      { message: "cannot read dataset: file not found", pos: { file: shown(missing) } },
    ]);
    expect(await problemsOf(readDataset(dir, { inputs: [QUESTION] }))).toEqual([
      { message: "dataset is a directory, expected a JSONL file", pos: { file: shown(dir) } },
    ]);
  });

  it("refuses rows nested too deeply at file:line:column, with the file's other bad lines", async () => {
    const deep = `{"question": "q", "tree": ${"[".repeat(150_000)}${"]".repeat(150_000)}}`;
    const file = dataset(['{"question": "fine"}', deep, "{oops", `{"question": "brackets in strings do not count: ${"[".repeat(500)}"}`]);
    expect(brief(await problemsOf(readDataset(file, { inputs: [QUESTION] })))).toEqual([
      "2:126 nested more than 100 levels deep (arrays and objects inside each other); dspx reads values up to 100 levels",
      "3:2 not valid JSON: Expected property name or '}'",
    ]);
    // 100 levels are read.
    const ok = dataset([`{"question": "q", "tree": ${"[".repeat(99)}${"]".repeat(99)}}`]);
    expect(await readDataset(ok, { inputs: [QUESTION] })).toHaveLength(1);
  });

  it("refuses a line longer than the limit at its line number, and a file that is not a regular one before reading it", async () => {
    const file = dataset(['{"question": "1"}', `{"question": "${"x".repeat(5000)}"}`]);
    expect(await problemsOf(readDataset(file, { inputs: [QUESTION], maxLineBytes: 4096 }))).toEqual([
      { message: "this line is longer than 4 KiB, the longest dspx reads", pos: { file: shown(file), line: 2 } },
    ]);
    expect(await problemsOf(readDataset("/dev/zero", { inputs: [QUESTION] }))).toEqual([
      { message: "dataset is a character device, expected a JSONL file (dspx reads regular files only)", pos: { file: shown("/dev/zero") } },
    ]);
  });

  it("reads the example datasets cleanly", async () => {
    const rows = await readDataset(path.resolve("datasets/support-triage/dev.jsonl"), { inputs: [{ ...QUESTION, name: "message" }] });
    expect(rows.length).toBe(70);
    expect(new Set(rows.map((r) => r.id)).size).toBe(70);
  });
});
