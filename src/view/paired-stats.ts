import { createHash } from "node:crypto";
import { comparePaired, signCounts, type PairedScore } from "../evaluate/compare.js";
import type { PairedStats } from "./api-types.js";

/** Stats of recent pairings, by content: the bootstrap (10,000 resamples) costs more than a page of rows. */
const recent = new Map<string, PairedStats>();
const RECENT = 64;

/**
 * The paired difference of B over A as `dspx compare` computes it (comparePaired: mean, paired
 * bootstrap 95% CI with its resamples and seed), with wins, losses and ties and the exact two-sided
 * sign test on the examples that changed (for a 0/1 metric the same p as compare's exact test).
 * Null when no example was scored by both.
 */
export function pairedStats(pairs: readonly PairedScore[]): PairedStats | null {
  if (pairs.length === 0) return null;
  const key = createHash("sha256").update(JSON.stringify(pairs)).digest("hex");
  const known = recent.get(key);
  if (known) return known;
  const c = comparePaired(pairs);
  const { improved, regressed, ties, signTestP } = signCounts(c);
  const stats: PairedStats = { n: c.n, meanA: c.meanA, meanB: c.meanB, meanDiff: c.diff, ci95: c.diffCi95, wins: improved, losses: regressed, ties, signTestP };
  if (recent.size >= RECENT) recent.delete(recent.keys().next().value!);
  recent.set(key, stats);
  return stats;
}
