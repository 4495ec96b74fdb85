import type { Rng } from "../../util/rng.js";

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(maxMs, baseMs · 2^n))
 * where n = failures − 1 (the first retry waits up to `baseMs`).
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, rng: Rng): number {
  return rng.next() * backoffCeiling(failures, baseMs, maxMs);
}

/** The upper bound of the jittered delay after `failures` failures. */
export function backoffCeiling(failures: number, baseMs: number, maxMs: number): number {
  const n = Math.max(0, failures - 1);
  // 2^n overflows to Infinity for large n, which Math.min turns into maxMs.
  return Math.max(0, Math.min(maxMs, baseMs * 2 ** n));
}
