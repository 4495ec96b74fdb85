import { digestNumber, hashOf } from "../util/canonical.js";
import { sortProblems, UserError, type Problem } from "../util/errors.js";
import type { Field } from "../signature/types.js";
import type { Example } from "./example.js";
import { closedGoldProblem, type ClosedGold } from "./gold.js";
import { displayPath } from "../util/display-path.js";
import { IdIndex } from "./id-index.js";
import { parseJsonLine } from "./jsonl.js";
import { readLines, type ReadLinesOptions } from "./lines.js";
import { userValueProblem } from "./user-value.js";

/** What every row of a dataset must satisfy for the program and its metric (see `datasetRules`). */
export interface DatasetRules {
  /** The program's input fields: each row must carry them, each value of its declared type. */
  inputs: readonly Field[];
  /** Gold fields every row must carry (what the metric compares against). */
  labels?: readonly string[];
  /** Gold fields compared with a closed output: their values must be ones the output can take. */
  closedGolds?: readonly ClosedGold[];
}

export interface ReadDatasetOptions extends DatasetRules, Pick<ReadLinesOptions, "maxLineBytes"> {
  /** Stop after this many examples. */
  limit?: number;
}

/** Where an example's row is in its file, and a digest of what it held: what reading it again needs (see DatasetRows). */
export interface RowRef {
  line: number;
  /** The row's bytes in the file (line break excluded). */
  offset: number;
  bytes: number;
  /** 52 bits of the sha256 of the row's canonical JSON. */
  hash: number;
  /** For the n-th copy (n ≥ 2) of a row without `id`: n, which its id ends with (`#n`). */
  copy?: number;
}

/** A dataset read to its end: how many examples it gave, and what is worth knowing but not wrong. */
export interface DatasetRead {
  count: number;
  /** Rows repeated exactly, each with its lines (the file is named; the first repeat's line too). */
  warnings: Problem[];
}

/** How many line numbers a warning lists before "and N more". */
const LISTED_LINES = 5;

/**
 * Reads a JSONL dataset as a stream, handing each example to `onExample` as its line is read, so
 * nothing the size of the dataset is built here (only each id, to find duplicates). Blank lines are
 * skipped. Every bad line is reported at once, when the file has been read (file:line:column and
 * what was expected): a UserError thrown after the good rows were handed over, so a caller keeps
 * nothing it was given until the read succeeds. Rows without `id` get a stable content hash; a row
 * that repeats an earlier one exactly is kept as its own example (and `#2`, `#3`… added to its id)
 * when it has no `id`, read once when it has, and either way counted in a warning. A file that
 * cannot be read as text at all (missing, a directory or device, a line longer than a string can
 * be) is refused at once.
 */
export async function readDataset(file: string, options: ReadDatasetOptions, onExample: (example: Example, row: RowRef) => void): Promise<DatasetRead> {
  const display = displayPath(file);
  const problems: Problem[] = [];
  const ids = new IdIndex();
  /** How many copies of a row without `id` were kept, by its content id (only for rows that repeat). */
  const copies = new Map<string, number>();
  const copied: number[] = [];
  const repeated: number[] = [];
  let count = 0;
  const lines = readLines(file, "dataset", { expected: "a JSONL file", ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}) });
  rows: for await (const batch of lines) {
    for (const { line: lineNo, text: line, offset, bytes } of batch) {
      if (line.trim() === "") continue;
      if (options.limit !== undefined && count >= options.limit) break rows;
      const pos = { file: display, line: lineNo };
      const row = checkRow(line, pos, options, problems);
      if (row === undefined) continue;
      const { record, inputs } = row;
      const hash = hashOf(record);
      const given = givenId(record);
      const first = exampleId(record, hash);
      const previous = ids.get(first);
      if (previous && previous.digest !== digestNumber(hash)) {
        problems.push({ message: `duplicate id ${JSON.stringify(first)} (first on line ${previous.line}) with different content`, pos: { ...pos, col: columnOfKey(line, "id") } });
        continue;
      }
      if (previous && given !== undefined) {
        repeated.push(lineNo);
        continue;
      }
      const copy = previous ? (copies.get(first) ?? 1) + 1 : undefined;
      if (copy !== undefined) copies.set(first, copy);
      if (copy !== undefined) copied.push(lineNo);
      const id = exampleId(record, hash, copy);
      ids.add(id, lineNo, digestNumber(hash));
      count++;
      onExample(toExample(record, inputs, id, pos), { line: lineNo, offset, bytes, hash: digestNumber(hash), ...(copy !== undefined ? { copy } : {}) });
    }
  }
  if (problems.length > 0) throw new UserError(sortProblems(problems));
  const warnings: Problem[] = [];
  if (copied.length > 0) {
    warnings.push({
      message: `${rowsText(copied)} an earlier row exactly and ${copied.length === 1 ? "has" : "have"} no \`id\`: each is kept as an example of its own (${linesText(copied)}); give the rows ids, or remove the copies`,
      pos: { file: display, line: copied[0]! },
    });
  }
  if (repeated.length > 0) {
    warnings.push({
      message: `${rowsText(repeated)} an earlier row exactly, \`id\` included: each is read once (${linesText(repeated)})`,
      pos: { file: display, line: repeated[0]! },
    });
  }
  return { count, warnings };
}

/** A whole dataset as an array of examples (small datasets: optimizing, validating). */
export async function readExamples(file: string, options: ReadDatasetOptions): Promise<{ examples: Example[]; warnings: Problem[] }> {
  const examples: Example[] = [];
  const { warnings } = await readDataset(file, options, (e) => examples.push(e));
  return { examples, warnings };
}

/** The example of a row that passed `checkRow`: its inputs, and every other field but `id` as labels. */
export function toExample(record: Record<string, unknown>, inputs: Record<string, unknown>, id: string, source: { file: string; line: number }): Example {
  const labels: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k !== "id" && !(k in inputs)) labels[k] = v;
  }
  return { id, inputs, labels, source: { file: source.file, line: source.line } };
}

/** The row's own `id` as text, when it has one (a string or a number). */
function givenId(record: Record<string, unknown>): string | undefined {
  const raw = record.id;
  return typeof raw === "string" || typeof raw === "number" ? String(raw) : undefined;
}

/**
 * A row's example id: its own `id`, else the first 12 hex digits of `hash` (the sha256 of its
 * canonical JSON), with `#n` after it for the n-th copy of a row that repeats.
 */
export function exampleId(record: Record<string, unknown>, hash: string, copy?: number): string {
  const id = givenId(record) ?? hash.slice(0, 12);
  return copy === undefined ? id : `${id}#${copy}`;
}

/**
 * One line checked against the rules: the row and its inputs, or undefined with its problems
 * pushed (all of them: a line can miss a gold field and have a mistyped input).
 */
export function checkRow(
  line: string,
  pos: { file: string; line: number },
  rules: DatasetRules,
  problems: Problem[],
): { record: Record<string, unknown>; inputs: Record<string, unknown> } | undefined {
  const parsed = parseJsonLine(line);
  if (!parsed.ok) {
    problems.push({ message: parsed.message, pos: { ...pos, col: parsed.col } });
    return undefined;
  }
  const row = parsed.value;
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    problems.push({ message: "expected a JSON object per line", pos: { ...pos, col: 1 } });
    return undefined;
  }
  const record = row as Record<string, unknown>;
  const before = problems.length;
  const missingLabels = (rules.labels ?? []).filter((l) => !(l in record));
  if (missingLabels.length > 0) {
    problems.push({
      message: `missing ${missingLabels.map((m) => `\`${m}\``).join(", ")}, which the metric compares against`,
      pos: { ...pos, col: 1 },
    });
  }
  for (const rule of rules.closedGolds ?? []) {
    if (!(rule.gold in record)) continue;
    const wrong = closedGoldProblem(rule, record[rule.gold]);
    if (wrong !== undefined) problems.push({ message: wrong, pos: { ...pos, col: columnOfKey(line, rule.gold) } });
  }
  const inputs: Record<string, unknown> = {};
  for (const field of rules.inputs) {
    if (!(field.name in record)) {
      problems.push({
        message: `missing program input \`${field.name}\` (row has: ${Object.keys(record).join(", ") || "no fields"})`,
        pos: { ...pos, col: 1 },
      });
      continue;
    }
    const value = record[field.name];
    if (value === null) {
      problems.push({ message: `program input \`${field.name}\` is null`, pos: { ...pos, col: columnOfKey(line, field.name) } });
      continue;
    }
    const wrong = field.typed ? userValueProblem(field.type, value) : undefined;
    if (wrong !== undefined) {
      problems.push({ message: `input \`${field.name}\` ${wrong}`, pos: { ...pos, col: columnOfKey(line, field.name) } });
      continue;
    }
    inputs[field.name] = value;
  }
  const rawId = record.id;
  if (rawId !== undefined && typeof rawId !== "string" && typeof rawId !== "number") {
    problems.push({ message: `\`id\` should be a string or a number, got ${JSON.stringify(rawId)}`, pos: { ...pos, col: columnOfKey(line, "id") } });
  }
  return problems.length === before ? { record, inputs } : undefined;
}

function rowsText(lines: readonly number[]): string {
  return lines.length === 1 ? "1 row repeats" : `${lines.length} rows repeat`;
}

function linesText(lines: readonly number[]): string {
  const shown = lines.slice(0, LISTED_LINES).join(", ");
  const rest = lines.length - LISTED_LINES;
  return `line${lines.length === 1 ? "" : "s"} ${shown}${rest > 0 ? ` and ${rest} more` : ""}`;
}

function columnOfKey(line: string, key: string): number {
  const i = line.indexOf(JSON.stringify(key));
  return i >= 0 ? i + 1 : 1;
}
