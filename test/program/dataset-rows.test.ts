import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDataset, readExamples, type DatasetRules } from "../../src/program/dataset.js";
import { DatasetRows } from "../../src/program/dataset-rows.js";
import type { Field } from "../../src/signature/types.js";
import { displayPath } from "../../src/util/display-path.js";
import { UserError } from "../../src/util/errors.js";
import { writeFiles } from "./helpers.js";

const QUESTION: Field = { name: "question", type: { kind: "string" }, typed: true };
const RULES: DatasetRules = { inputs: [QUESTION], labels: ["answer"] };

function dataset(text: string): string {
  return path.join(writeFiles({ "data.jsonl": text }), "data.jsonl");
}

/** Rows read again whenever asked for (nothing held) unless `holdBytes` says how much to keep. */
async function rowsOf(file: string, rules: DatasetRules = RULES, holdBytes = 0): Promise<DatasetRows> {
  const rows = new DatasetRows(file, displayPath(file), rules, holdBytes);
  await readDataset(file, rules, (example, row) => rows.add(row, example));
  return rows;
}

describe("DatasetRows", () => {
  it("gives back, by position, exactly the examples the reader built, whatever the line breaks, a BOM or multi-byte text", async () => {
    const text = [
      '\uFEFF{"id": "a", "question": "é ü ✓ 日本", "answer": "x"}',
      "",
      '{"question": "same", "answer": "y"}\r',
      '{"question": "same", "answer": "y"}',
      "   ",
      '{"question": "no newline at the end", "answer": "z"}',
    ].join("\n");
    const file = dataset(text);
    const { examples } = await readExamples(file, RULES);
    const rows = await rowsOf(file);
    expect(rows.length).toBe(4);
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i))).toEqual(examples);
    // The copy of an identical row keeps its own id.
    expect(rows.at(2)!.id).toBe(`${rows.at(1)!.id}#2`);
    // Asked again (after the file was closed too), the same example comes back.
    rows.close();
    expect(rows.at(0)).toEqual(examples[0]);
    rows.close();
    expect([rows.at(-1), rows.at(4), rows.at(1.5)]).toEqual([undefined, undefined, undefined]);
  });

  it("refuses a row that changed after it was read, at its file:line", async () => {
    const file = dataset('{"question": "one", "answer": "x"}\n{"question": "two", "answer": "y"}\n');
    const rows = await rowsOf(file);
    writeFileSync(file, '{"question": "one", "answer": "x"}\n{"question": "TWO", "answer": "y"}\n');
    expect(rows.at(0)!.inputs).toEqual({ question: "one" });
    let thrown: unknown;
    try {
      rows.at(1);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).problems).toEqual([
      {
        message: "this row is no longer what dspx read before it began: the dataset changed while it was in use; run the command again",
        pos: { file: displayPath(file), line: 2 },
      },
    ]);
    // Cut short, or no longer valid JSON: the same refusal.
    writeFileSync(file, '{"question": "one", "answer": "x"}\n{"quest');
    expect(() => rows.at(1)).toThrow(UserError);
    rows.close();
  });

  it("keeps the first rows as read up to its byte budget, and reads only the rest again", async () => {
    const lines = ['{"question": "one", "answer": "x"}', '{"question": "two", "answer": "y"}', '{"question": "three", "answer": "z"}'];
    const file = dataset(lines.join("\n"));
    // Room for the first two rows' text, not the third's.
    const rows = await rowsOf(file, RULES, lines[0]!.length + lines[1]!.length);
    writeFileSync(file, lines.map((l) => l.toUpperCase()).join("\n"));
    expect([rows.at(0)!.inputs, rows.at(1)!.inputs]).toEqual([{ question: "one" }, { question: "two" }]);
    expect(() => rows.at(2)).toThrow(UserError);
    rows.close();
  });
});
