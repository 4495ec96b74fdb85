import type { ChalkInstance } from "chalk";
import { formatScore } from "../output.js";
import { flatten } from "../report/text.js";
import type { TableSpec } from "../table.js";

/** One row of a "lowest-scoring examples" table. */
export interface WorstRow {
  id: string;
  score: number;
  /** The example's input: the single input's value, or the inputs object. */
  input: unknown;
  error?: string;
  feedback?: string;
}

/**
 * The lowest-scoring examples (`dspx eval`, `dspx show`): example and score are kept longest, then
 * what went wrong, then the input; the text columns are cut to fit.
 */
export function worstTable(rows: readonly WorstRow[], c: ChalkInstance): TableSpec {
  return {
    columns: [
      { header: "example", priority: 1, truncate: true, min: 8, max: 24 },
      { header: "score", priority: 2, align: "right" },
      { header: "input", priority: 4, truncate: true, min: 12 },
      { header: "feedback", priority: 3, truncate: true, min: 12 },
    ],
    rows: rows.map((r) => [r.id, formatScore(r.score), flatten(r.input), r.error !== undefined ? c.red(flatten(r.error)) : flatten((r.feedback ?? "").replace(/\n+/g, "; "))]),
  };
}
