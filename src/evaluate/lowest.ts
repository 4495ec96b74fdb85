import type { ResultDigest } from "./types.js";

/** What ranks a result among the lowest-scoring: its score (a non-finite one lowest), errors first among equals, then example order. */
export function lowerFirst(a: Pick<ResultDigest, "score" | "error" | "index">, b: Pick<ResultDigest, "score" | "error" | "index">): number {
  return scoreKey(a.score) - scoreKey(b.score) || Number(Boolean(b.error)) - Number(Boolean(a.error)) || a.index - b.index;
}

/** Whether a result is worth listing among the lowest: it scored below 1, or failed. */
export function isShortfall(r: Pick<ResultDigest, "score" | "error">): boolean {
  return r.score < 1 || Boolean(r.error) || !Number.isFinite(r.score);
}

function scoreKey(score: number): number {
  return Number.isFinite(score) ? score : -Infinity;
}

/**
 * The k lowest-scoring results seen so far, in `lowerFirst` order, whatever order they arrive in:
 * an evaluation offers every result and keeps only these (k is small, so a sorted array with binary
 * insertion is all the heap it needs).
 */
export class LowestResults {
  private readonly kept: ResultDigest[] = [];

  constructor(readonly capacity: number) {}

  offer(result: ResultDigest): void {
    if (this.capacity <= 0 || !isShortfall(result)) return;
    const kept = this.kept;
    if (kept.length === this.capacity && lowerFirst(result, kept[kept.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lowerFirst(kept[mid]!, result) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, result);
    if (kept.length > this.capacity) kept.pop();
  }

  /** The lowest results, lowest first. */
  list(): ResultDigest[] {
    return [...this.kept];
  }
}
