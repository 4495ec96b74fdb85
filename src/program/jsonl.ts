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
