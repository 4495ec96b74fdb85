import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { displayPath } from "../util/display-path.js";

/** Non-blank lines of a JSONL file parsed as JSON, with their line numbers; the first bad line throws. */
export async function readJsonl(file: string): Promise<{ value: unknown; line: number }[]> {
  const out: { value: unknown; line: number }[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    try {
      out.push({ value: JSON.parse(line), line: n });
    } catch (err) {
      throw new Error(`${displayPath(file)}:${n}: not valid JSON (${(err as Error).message})`);
    }
  }
  return out;
}
