import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { hashOf } from "../util/canonical.js";
import { sortProblems, UserError, type Problem } from "../util/errors.js";
import { coerceValue } from "../signature/coerce.js";
import { typeToString } from "../signature/format.js";
import type { Field } from "../signature/types.js";
import type { Example } from "./example.js";
import { displayPath } from "../util/display-path.js";
import { jsonErrorColumn } from "./jsonl.js";

export interface ReadDatasetOptions {
  /** The program's input fields: each row must carry them (values are coerced to their types). */
  inputs: readonly Field[];
  /** Stop after this many examples. */
  limit?: number;
  /** Gold fields every row must carry (what the metric compares against), checked with the rest. */
  labels?: readonly string[];
}

/**
 * Reads a JSONL dataset as a stream. Blank lines are skipped; every bad line is reported at once
 * (file:line:column and what was expected). Rows without `id` get a stable content hash.
 */
export async function readDataset(file: string, options: ReadDatasetOptions): Promise<Example[]> {
  const display = displayPath(file);
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new UserError({ message: "dataset is a directory, expected a JSONL file", pos: { file: display } });
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError({
      message: `cannot read dataset: ${code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : (err as Error).message}`,
      pos: { file: display },
    });
  }
  const examples: Example[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, { line: number; hash: string }>();
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const rawLine of lines) {
    lineNo++;
    const line = lineNo === 1 ? rawLine.replace(/^\uFEFF/, "") : rawLine; // a byte-order mark is not content
    if (line.trim() === "") continue;
    if (options.limit !== undefined && examples.length >= options.limit) break;
    const pos = { file: display, line: lineNo };
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      problems.push({ message: `not valid JSON: ${jsonErrorText(err)}`, pos: { ...pos, col: jsonErrorColumn(line, err) } });
      continue;
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      problems.push({ message: "expected a JSON object per line", pos: { ...pos, col: 1 } });
      continue;
    }
    const record = row as Record<string, unknown>;
    const inputs: Record<string, unknown> = {};
    let bad = false;
    const missingLabels = (options.labels ?? []).filter((l) => !(l in record));
    if (missingLabels.length > 0) {
      problems.push({
        message: `missing ${missingLabels.map((m) => `\`${m}\``).join(", ")}, which the metric compares against`,
        pos: { ...pos, col: 1 },
      });
      bad = true;
    }
    for (const field of options.inputs) {
      if (!(field.name in record)) {
        problems.push({
          message: `missing program input \`${field.name}\` (row has: ${Object.keys(record).join(", ") || "no fields"})`,
          pos: { ...pos, col: 1 },
        });
        bad = true;
        continue;
      }
      if (record[field.name] === null) {
        problems.push({ message: `program input \`${field.name}\` is null`, pos: { ...pos, col: columnOfKey(line, field.name) } });
        bad = true;
        continue;
      }
      const coerced = field.typed ? coerceValue(field.type, record[field.name]) : { ok: true as const, value: record[field.name] };
      if (!coerced.ok) {
        problems.push({
          message: `input \`${field.name}\` should be ${typeToString(field.type)}: ${coerced.error}, got ${JSON.stringify(record[field.name])}`,
          pos: { ...pos, col: columnOfKey(line, field.name) },
        });
        bad = true;
        continue;
      }
      inputs[field.name] = coerced.value;
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
  if (problems.length > 0) throw new UserError(sortProblems(problems));
  return examples;
}

function jsonErrorText(err: unknown): string {
  return (err as Error).message.replace(/\s*in JSON at position \d+.*$/s, "").replace(/, (\.\.\.)?".*" is not valid JSON$/s, "");
}

function columnOfKey(line: string, key: string): number {
  const i = line.indexOf(JSON.stringify(key));
  return i >= 0 ? i + 1 : 1;
}
