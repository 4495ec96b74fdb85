import { meanWithCI } from "./stats.js";

/** A candidate's score on one dataset, from the results its run recorded. */
export interface DatasetScore {
  n: number;
  mean: number;
  ci95: [number, number];
  errors: number;
}

export function scoreOf(rows: readonly { score: number; error?: unknown }[]): DatasetScore {
  const { mean, ci95 } = meanWithCI(rows.map((r) => r.score));
  return { n: rows.length, mean, ci95, errors: rows.filter((r) => r.error).length };
}
