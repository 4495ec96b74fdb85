import { Rng } from "../util/rng.js";
import { UserError } from "../util/errors.js";
import { mean } from "./stats.js";

/**
 * The statistics behind `dspx compare <a> <b>`: two candidates scored on the same examples.
 *
 * Everything here is pure and deterministic. Pairs are sorted by exampleId (UTF-16 code-unit
 * order, not locale order) before anything is computed, so the order of the input never changes
 * any output — not even the last bit of a floating-point sum.
 */

export interface PairedScore {
  exampleId: string;
  a: number;
  b: number;
}

export interface CompareResult {
  n: number;
  meanA: number;
  meanB: number;
  /** mean(b - a) */
  diff: number;
  /** paired-bootstrap 95% CI of the mean difference (percentile method, nearest rank) */
  diffCi95: [number, number];
  bootstrap: { resamples: number; seed: number };
  /** for 0/1 metrics only (every score exactly 0 or 1): exact two-sided sign / McNemar test on the discordant pairs */
  exact?: { aOnly: number; bOnly: number; pValue: number };
  /** examples whose outcome changed: improved (b > a) and regressed (b < a), sorted by |b - a| desc then id */
  improved: { exampleId: string; a: number; b: number }[];
  regressed: { exampleId: string; a: number; b: number }[];
}

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_SEED = 0;

/** Code-unit string order: the same on every machine and locale. */
function byId(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compares candidate B against candidate A on paired scores.
 *
 * - `diff` is mean(b - a) over the pairs sorted by exampleId.
 * - `diffCi95` is {@link pairedBootstrapCi} of those differences (same sorted order).
 * - `exact` is present only when every a and b is exactly 0 or 1: aOnly = #(a=1, b=0),
 *   bOnly = #(a=0, b=1), pValue = {@link exactSignTestP}(aOnly, bOnly).
 * - `improved` holds pairs with b > a, `regressed` pairs with b < a, each sorted by |b - a|
 *   descending, ties by exampleId ascending (code-unit order).
 *
 * Throws a UserError on empty input, duplicate exampleIds, non-finite scores, or a resample count
 * that is not a positive integer / a seed that is not a finite number.
 */
export function comparePaired(
  pairs: readonly PairedScore[],
  options: { resamples?: number; seed?: number } = {},
): CompareResult {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_SEED;
  validateBootstrapOptions(resamples, seed);
  if (pairs.length === 0) {
    throw new UserError("cannot compare: there are no paired scores (the two runs share no examples)");
  }

  const sorted = [...pairs].sort((x, y) => byId(x.exampleId, y.exampleId));
  const badScores: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (i > 0 && sorted[i - 1]!.exampleId === p.exampleId) {
      throw new UserError(`cannot compare: example id ${JSON.stringify(p.exampleId)} appears more than once`);
    }
    if (!Number.isFinite(p.a) || !Number.isFinite(p.b)) badScores.push(p.exampleId);
  }
  if (badScores.length > 0) {
    const shown = badScores.slice(0, 5).map((id) => JSON.stringify(id)).join(", ");
    const more = badScores.length > 5 ? ` and ${badScores.length - 5} more` : "";
    throw new UserError(`cannot compare: non-finite score for example ${shown}${more}`);
  }

  const as = sorted.map((p) => p.a);
  const bs = sorted.map((p) => p.b);
  const diffs = sorted.map((p) => p.b - p.a);

  const result: CompareResult = {
    n: sorted.length,
    meanA: mean(as),
    meanB: mean(bs),
    diff: mean(diffs),
    diffCi95: pairedBootstrapCi(diffs, resamples, seed),
    bootstrap: { resamples, seed },
    improved: [],
    regressed: [],
  };

  const binary = sorted.every((p) => (p.a === 0 || p.a === 1) && (p.b === 0 || p.b === 1));
  if (binary) {
    let aOnly = 0;
    let bOnly = 0;
    for (const p of sorted) {
      if (p.a === 1 && p.b === 0) aOnly++;
      else if (p.a === 0 && p.b === 1) bOnly++;
    }
    result.exact = { aOnly, bOnly, pValue: exactSignTestP(aOnly, bOnly) };
  }

  const byChange = (x: PairedScore, y: PairedScore): number =>
    Math.abs(y.b - y.a) - Math.abs(x.b - x.a) || byId(x.exampleId, y.exampleId);
  const pick = (p: PairedScore) => ({ exampleId: p.exampleId, a: p.a, b: p.b });
  result.improved = sorted.filter((p) => p.b > p.a).sort(byChange).map(pick);
  result.regressed = sorted.filter((p) => p.b < p.a).sort(byChange).map(pick);
  return result;
}

function validateBootstrapOptions(resamples: number, seed: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new UserError(`bootstrap resamples must be a positive integer, got ${String(resamples)}`);
  }
  if (!Number.isFinite(seed)) {
    throw new UserError(`bootstrap seed must be a finite number, got ${String(seed)}`);
  }
}

/**
 * Paired-bootstrap 95% confidence interval of mean(diffs), percentile method.
 *
 * Exact procedure (so the numbers can be reproduced by hand):
 *   rng = new Rng(seed)
 *   for r = 1..resamples:
 *     sum = 0; repeat n times: sum += diffs[rng.int(n)]      (indices drawn with replacement)
 *     means[r] = sum / n
 *   sort means ascending (1-based ranks 1..R, R = resamples)
 *   lower = means at rank max(1, ceil(0.025 · R)), upper = means at rank max(1, ceil(0.975 · R))
 * i.e. the nearest-rank percentile (no interpolation): the smallest resampled mean such that at
 * least p·R of the resampled means are ≤ it. With R = 10,000 these are ranks 250 and 9,750.
 *
 * `diffs` is used in the order given (comparePaired passes them sorted by exampleId).
 * n = 0 throws. When every difference is the same value d (including n = 1) the interval is
 * exactly [d, d] and no random numbers are drawn (every resample mean is d; this avoids the
 * last-bit rounding of summing n copies of d).
 */
export function pairedBootstrapCi(diffs: readonly number[], resamples: number, seed: number): [number, number] {
  validateBootstrapOptions(resamples, seed);
  const n = diffs.length;
  if (n === 0) throw new UserError("cannot bootstrap a confidence interval from zero differences");
  const first = diffs[0]!;
  if (diffs.every((d) => d === first)) return [first, first];

  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += diffs[rng.int(n)]!;
    means[r] = sum / n;
  }
  means.sort(); // Float64Array sorts numerically, ascending
  return [means[nearestRank(25, resamples) - 1]!, means[nearestRank(975, resamples) - 1]!];
}

/** 1-based nearest rank ceil(perMille/1000 · R), at least 1; integer arithmetic avoids 0.975·R rounding. */
function nearestRank(perMille: number, count: number): number {
  const scaled = perMille * count; // an exact integer for any realistic count
  return Math.max(1, Math.floor(scaled / 1000) + (scaled % 1000 === 0 ? 0 : 1));
}

/**
 * How many examples B scored higher on, lower on and the same, and the two-sided sign test over
 * those that changed (for a 0/1 metric, the exact test's p): what a recorded comparison and the
 * viewer's paired statistics both report.
 */
export function signCounts(c: CompareResult): { improved: number; regressed: number; ties: number; signTestP: number } {
  const improved = c.improved.length;
  const regressed = c.regressed.length;
  return { improved, regressed, ties: c.n - improved - regressed, signTestP: c.exact?.pValue ?? exactSignTestP(regressed, improved) };
}

/**
 * Exact two-sided sign test (the exact McNemar test) on the discordant pairs of a 0/1 metric:
 * aOnly = #(a=1, b=0), bOnly = #(a=0, b=1), n = aOnly + bOnly, m = min(aOnly, bOnly),
 *   p = min(1, 2 · Σ_{k=0}^{m} C(n, k) / 2^n),   and p = 1 when n = 0.
 *
 * The binomial terms are built by the recurrence C(n,k) = C(n,k-1)·(n-k+1)/k with a shared
 * power-of-two scale: whenever the running term exceeds 2^500, the term and the partial sum are
 * both multiplied by 2^-500 (exact in floating point). The scale is applied back at the end in
 * steps of at most 2^-1000, so nothing overflows for any n and the result only underflows when it is
 * genuinely below ~1e-308. For small n (all C(n,k) below 2^53) every step is exact, so e.g. (0,5)
 * gives exactly 0.0625.
 */
export function exactSignTestP(aOnly: number, bOnly: number): number {
  if (!Number.isInteger(aOnly) || !Number.isInteger(bOnly) || aOnly < 0 || bOnly < 0) {
    throw new RangeError(`exactSignTestP needs non-negative integer counts, got (${aOnly}, ${bOnly})`);
  }
  const n = aOnly + bOnly;
  if (n === 0) return 1;
  const m = Math.min(aOnly, bOnly);
  const RESCALE_AT = 2 ** 500;
  const RESCALE_BY = 2 ** -500;
  let term = 1; // C(n, k) · 2^-shift
  let sum = 1; // Σ_{j≤k} C(n, j) · 2^-shift
  let shift = 0;
  for (let k = 1; k <= m; k++) {
    term = (term * (n - k + 1)) / k;
    sum += term;
    if (term > RESCALE_AT) {
      term *= RESCALE_BY;
      sum *= RESCALE_BY;
      shift += 500;
    }
  }
  // p = 2 · sum · 2^shift / 2^n = sum · 2^(shift + 1 - n)
  let exponent = shift + 1 - n;
  let p = sum;
  while (exponent < -1000) {
    p *= 2 ** -1000;
    exponent += 1000;
  }
  p *= 2 ** exponent;
  return Math.min(1, p);
}
