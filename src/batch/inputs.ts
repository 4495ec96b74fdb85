import { checkRow } from "../program/dataset.js";
import { readLines } from "../program/lines.js";
import type { Field } from "../signature/types.js";
import { displayPath } from "../util/display-path.js";
import { sortProblems, UserError, type Problem } from "../util/errors.js";

/** One line of an inputs file, checked: the program's inputs (coerced to their types) and where it came from. */
export interface BatchInput {
  /** 1-based line in the file (blank lines are skipped, so lines need not be consecutive). */
  line: number;
  /** The row's `id`, when it has one, echoed in its result. */
  id?: string;
  inputs: Record<string, unknown>;
}

/**
 * A line of an inputs file as a BatchInput, or everything wrong with it (file:line:column), checked
 * as a dataset's rows are (each input of its declared type as written). Keys other than the
 * program's inputs and `id` are allowed and ignored, so a dataset with its gold answers can be run
 * as it is.
 */
function batchInput(text: string, pos: { file: string; line: number }, fields: readonly Field[]): BatchInput | Problem[] {
  const problems: Problem[] = [];
  const row = checkRow(text, pos, { inputs: fields }, problems);
  if (row === undefined) return problems;
  const id = row.record.id;
  return { line: pos.line, ...(id !== undefined ? { id: String(id) } : {}), inputs: row.inputs };
}

/** Every non-blank line of the file, checked, in order; a line with problems is given with them instead. */
async function* checkedLines(file: string, fields: readonly Field[]): AsyncGenerator<BatchInput | Problem[]> {
  const display = displayPath(file);
  for await (const batch of readLines(file, "input file", { expected: "a JSONL file, one JSON object of inputs per line" })) {
    for (const { line, text } of batch) {
      if (text.trim() !== "") yield batchInput(text, { file: display, line }, fields);
    }
  }
}

/**
 * Reads the whole inputs file once, holding only what is wrong with it, before anything is run:
 * every bad line is reported at once (a UserError, exit 2). Returns how many inputs it holds.
 */
export async function checkBatchInputs(file: string, fields: readonly Field[]): Promise<{ count: number }> {
  const problems: Problem[] = [];
  let count = 0;
  for await (const checked of checkedLines(file, fields)) {
    if (Array.isArray(checked)) problems.push(...checked);
    else count++;
  }
  if (problems.length > 0) throw new UserError(sortProblems(problems));
  return { count };
}

/**
 * The inputs of a file `checkBatchInputs` accepted, streamed line by line (never held whole). A line
 * that has turned bad since (the file changed in between) stops the stream with its problems.
 */
export async function* readBatchInputs(file: string, fields: readonly Field[]): AsyncGenerator<BatchInput> {
  for await (const checked of checkedLines(file, fields)) {
    if (Array.isArray(checked)) throw new UserError(checked);
    yield checked;
  }
}
