import type { Rng } from "../../../util/rng.js";

/** Scores within this of each other are equal (metrics return floats such as 2/3). */
export const EPSILON = 1e-9;

/**
 * The instance-wise Pareto frontier of a pool: for each dev example, the candidates with the best
 * score on it. `scores[c][k]` is candidate c's score on dev example k.
 */
export interface Frontier {
  /** Per dev example, the pool indices with the best score on it (ascending). */
  fronts: number[][];
  /** Pool indices on the frontier that no other frontier candidate dominates (ascending). */
  members: number[];
  /** For each of `members`, on how many dev examples it is among the best: its sampling weight. */
  wins: number[];
}

/** Whether a dominates b: at least as good on every example and better on one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x < y - EPSILON) return false;
    if (x > y + EPSILON) better = true;
  }
  return better;
}

export function paretoFrontier(scores: readonly (readonly number[])[]): Frontier {
  const examples = scores.reduce((n, s) => Math.max(n, s.length), 0);
  const fronts: number[][] = [];
  for (let k = 0; k < examples; k++) {
    let best = -Infinity;
    for (const s of scores) best = Math.max(best, s[k] ?? 0);
    const front: number[] = [];
    scores.forEach((s, c) => {
      if ((s[k] ?? 0) >= best - EPSILON) front.push(c);
    });
    fronts.push(front);
  }
  const onFront = [...new Set(fronts.flat())].sort((a, b) => a - b);
  // A candidate dominated by another frontier candidate is never needed: the dominator is among the
  // best wherever it is, so removing it leaves no example without a best candidate.
  const members = onFront.filter((c) => !onFront.some((d) => d !== c && dominates(scores[d]!, scores[c]!)));
  const wins = members.map((c) => fronts.filter((f) => f.includes(c)).length);
  // A pool with no dev examples (or only the baseline) still has a frontier: every candidate.
  if (members.length === 0) return { fronts, members: scores.map((_, c) => c), wins: scores.map(() => 1) };
  return { fronts, members, wins };
}

/**
 * A parent drawn from the frontier with probability proportional to the number of dev examples on
 * which it is among the best (one draw of the run's seeded RNG).
 */
export function sampleParent(frontier: Frontier, rng: Rng): number {
  return frontier.members[rng.weighted(frontier.wins)]!;
}
