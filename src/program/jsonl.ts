import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/** One non-blank line of a JSONL file: its parsed value, or why it is not JSON. */
export type JsonlLine = { line: number; value: unknown } | { line: number; error: string };

/**
 * Non-blank lines of a JSONL file with their line numbers, each parsed as JSON. A line that is not
 * JSON is returned with its error rather than thrown, so callers can report every bad line at once.
 */
export async function readJsonl(file: string): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, "") : raw; // a byte-order mark is not content
    if (line.trim() === "") continue;
    try {
      out.push({ value: JSON.parse(line), line: n });
    } catch (err) {
      out.push({ error: (err as Error).message, line: n });
    }
  }
  return out;
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
