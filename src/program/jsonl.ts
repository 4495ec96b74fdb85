import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepAt } from "../util/json-depth.js";
import { readLines, type ReadLinesOptions } from "./lines.js";

/** JSON text parsed: its value, or what is wrong with it and at which 0-based offset. */
export type ParsedJson = { ok: true; value: unknown } | { ok: false; message: string; offset: number };

/**
 * Parses JSON a user wrote (a JSONL line, an input file). A value nested deeper than MAX_JSON_DEPTH
 * is refused here, where it gets too deep, before anything walks it recursively.
 */
export function parseJsonText(text: string): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not valid JSON: ${jsonErrorText(err)}`, offset: jsonErrorColumn(text, err) - 1 };
  }
  // The value is walked first (cheap); only a value found too deep has its text scanned, for the place.
  const deep = nestsDeeperThan(value) ? (tooDeepAt(text) ?? 0) : undefined;
  if (deep !== undefined) return { ok: false, message: `nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects inside each other); dspx reads values up to ${MAX_JSON_DEPTH} levels`, offset: deep };
  return { ok: true, value };
}

/** One line of JSON text parsed: its value, or what is wrong with it and at which 1-based column. */
export type ParsedJsonLine = { ok: true; value: unknown } | { ok: false; message: string; col: number };

export function parseJsonLine(text: string): ParsedJsonLine {
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed : { ok: false, message: parsed.message, col: parsed.offset + 1 };
}

/** The 1-based line and column of a 0-based offset in `text`. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** One non-blank line of a JSONL file: its parsed value, or why it cannot be used. */
export type JsonlLine = { line: number; value: unknown } | { line: number; error: string; col: number };

/**
 * Non-blank lines of a JSONL file with their line numbers, each parsed as JSON. A line that is not
 * JSON is returned with its error rather than thrown, so callers can report every bad line at once;
 * a file that cannot be read at all (missing, not a regular file, a line too long) throws a UserError.
 */
export async function readJsonl(file: string, what = "JSONL file", options: ReadLinesOptions = {}): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const batch of readLines(file, what, { expected: "a JSONL file", ...options })) {
    for (const { line, text } of batch) {
      if (text.trim() === "") continue;
      const parsed = parseJsonLine(text);
      out.push(parsed.ok ? { line, value: parsed.value } : { line, error: parsed.message, col: parsed.col });
    }
  }
  return out;
}

/** JSON.parse's message without the position and the echo of the text (the column says where). */
function jsonErrorText(err: unknown): string {
  return (err as Error).message.replace(/\s*in JSON at position \d+.*$/s, "").replace(/, (\.\.\.)?".*" is not valid JSON$/s, "");
}

/**
 * The 1-based column where JSON.parse found `line` bad. V8 gives a position for most errors but not
 * for "Unexpected end of JSON input" (the problem is at the end of the line) nor for "Unexpected
 * token 'x', … is not valid JSON" (found as the first `x` whose prefix fails the same way).
 */
export function jsonErrorColumn(line: string, err: unknown): number {
  const message = (err as Error).message;
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]) + 1;
  if (/^Unexpected end of JSON input/.test(message)) return line.trimEnd().length + 1;
  const token = /^Unexpected token '(.)'/su.exec(message)?.[1];
  if (token !== undefined) {
    for (let i = line.indexOf(token); i >= 0; i = line.indexOf(token, i + 1)) {
      try {
        JSON.parse(line.slice(0, i + token.length));
      } catch (e) {
        if ((e as Error).message.startsWith(`Unexpected token '${token}'`)) return i + 1;
      }
    }
  }
  return 1;
}
