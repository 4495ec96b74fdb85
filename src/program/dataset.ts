import { hashOf } from "../util/canonical.js";
import { sortProblems, UserError, type Problem } from "../util/errors.js";
import type { Field } from "../signature/types.js";
import type { Example } from "./example.js";
import { displayPath } from "../util/display-path.js";
import { readLines, type ReadLinesOptions } from "./lines.js";
import { columnOfKey, parseRow, rowInputs } from "./row.js";

export interface ReadDatasetOptions extends Pick<ReadLinesOptions, "maxLineBytes"> {
  /** The program's input fields: each row must carry them (values are coerced to their types). */
  inputs: readonly Field[];
  /** Stop after this many examples. */
  limit?: number;
  /** Gold fields every row must carry (what the metric compares against), checked with the rest. */
  labels?: readonly string[];
}

/**
 * Reads a JSONL dataset as a stream. Blank lines are skipped; every bad line is reported at once
 * (file:line:column and what was expected). Rows without `id` get a stable content hash. A file that
 * cannot be read as text at all (missing, a directory or device, a line longer than a string can
 * be) is refused at once.
 */
export async function readDataset(file: string, options: ReadDatasetOptions): Promise<Example[]> {
  const display = displayPath(file);
  const examples: Example[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, { line: number; hash: string }>();
  const lines = readLines(file, "dataset", { expected: "a JSONL file", ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}) });
  rows: for await (const batch of lines) {
    for (const { line: lineNo, text: line } of batch) {
      if (line.trim() === "") continue;
      if (options.limit !== undefined && examples.length >= options.limit) break rows;
      const pos = { file: display, line: lineNo };
      const parsedRow = parseRow(line, pos);
      if ("problem" in parsedRow) {
        problems.push(parsedRow.problem);
        continue;
      }
      const record = parsedRow.record;
      let bad = false;
      const missingLabels = (options.labels ?? []).filter((l) => !(l in record));
      if (missingLabels.length > 0) {
        problems.push({
          message: `missing ${missingLabels.map((m) => `\`${m}\``).join(", ")}, which the metric compares against`,
          pos: { ...pos, col: 1 },
        });
        bad = true;
      }
      const { inputs, problems: inputProblems } = rowInputs(record, line, pos, options.inputs);
      if (inputProblems.length > 0) {
        problems.push(...inputProblems);
        bad = true;
      }
      if (bad) continue;
      const labels: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record)) {
        if (k !== "id" && !(k in inputs)) labels[k] = v;
      }
      const hash = hashOf(record);
      const rawId = record.id;
      if (rawId !== undefined && typeof rawId !== "string" && typeof rawId !== "number") {
        problems.push({ message: `\`id\` should be a string or a number, got ${JSON.stringify(rawId)}`, pos: { ...pos, col: columnOfKey(line, "id") } });
        continue;
      }
      const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : hash.slice(0, 12);
      const previous = seen.get(id);
      if (previous && previous.hash !== hash) {
        problems.push({ message: `duplicate id ${JSON.stringify(id)} (first on line ${previous.line}) with different content`, pos: { ...pos, col: columnOfKey(line, "id") } });
        continue;
      }
      if (previous) continue; // an identical row twice: keep one
      seen.set(id, { line: lineNo, hash });
      examples.push({ id, inputs, labels, source: { file: display, line: lineNo } });
    }
  }
  if (problems.length > 0) throw new UserError(sortProblems(problems));
  return examples;
}
