import { coerceValue } from "../signature/coerce.js";
import { typeToString } from "../signature/format.js";
import type { Field } from "../signature/types.js";
import type { Problem, SourcePos } from "../util/errors.js";
import { parseJsonLine } from "./jsonl.js";

/** One line of a JSONL file as an object, or what is wrong with it (at file:line:column). */
export function parseRow(text: string, pos: SourcePos): { record: Record<string, unknown> } | { problem: Problem } {
  const parsed = parseJsonLine(text);
  if (!parsed.ok) return { problem: { message: parsed.message, pos: { ...pos, col: parsed.col } } };
  const row = parsed.value;
  if (row === null || typeof row !== "object" || Array.isArray(row)) return { problem: { message: "expected a JSON object per line", pos: { ...pos, col: 1 } } };
  return { record: row as Record<string, unknown> };
}

/**
 * A row's values for the program's input fields, coerced to their types; every field that is
 * missing, null or of the wrong type is a problem at the row's line (and the key's column).
 */
export function rowInputs(record: Record<string, unknown>, text: string, pos: SourcePos, fields: readonly Field[]): { inputs: Record<string, unknown>; problems: Problem[] } {
  const inputs: Record<string, unknown> = {};
  const problems: Problem[] = [];
  for (const field of fields) {
    if (!(field.name in record)) {
      problems.push({
        message: `missing program input \`${field.name}\` (row has: ${Object.keys(record).join(", ") || "no fields"})`,
        pos: { ...pos, col: 1 },
      });
      continue;
    }
    if (record[field.name] === null) {
      problems.push({ message: `program input \`${field.name}\` is null`, pos: { ...pos, col: columnOfKey(text, field.name) } });
      continue;
    }
    const coerced = field.typed ? coerceValue(field.type, record[field.name]) : { ok: true as const, value: record[field.name] };
    if (!coerced.ok) {
      problems.push({
        message: `input \`${field.name}\` should be ${typeToString(field.type)}: ${coerced.error}, got ${JSON.stringify(record[field.name])}`,
        pos: { ...pos, col: columnOfKey(text, field.name) },
      });
      continue;
    }
    inputs[field.name] = coerced.value;
  }
  return { inputs, problems };
}

/** The 1-based column where `key` appears in a line of JSON (1 when it cannot be found). */
export function columnOfKey(line: string, key: string): number {
  const i = line.indexOf(JSON.stringify(key));
  return i >= 0 ? i + 1 : 1;
}
