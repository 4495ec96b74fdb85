import { describe, expect, it } from "vitest";
import { comparePaired, exactSignTestP, pairedBootstrapCi, type PairedScore } from "../../src/evaluate/compare.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

/** Independent exact reference: 2 · Σ_{k≤m} C(n,k) / 2^n with BigInt, converted at the end. */
function bigIntSignP(aOnly: number, bOnly: number): number {
  const n = BigInt(aOnly + bOnly);
  const m = BigInt(Math.min(aOnly, bOnly));
  if (n === 0n) return 1;
  let c = 1n;
  let sum = 1n;
  for (let k = 1n; k <= m; k++) {
    c = (c * (n - k + 1n)) / k;
    sum += c;
  }
  // Keep 60 significant bits of the ratio before converting to a double.
  const num = 2n * sum;
  const den = 1n << n;
  const scale = 60n;
  return Math.min(1, Number((num << scale) / den) / 2 ** Number(scale));
}

/** Standard normal upper tail 1 − Φ(z) for z ≥ 0, via the Abramowitz–Stegun 7.1.26 erfc approximation (abs. error < 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-x * x);
}

function pairs(rows: [string, number, number][]): PairedScore[] {
  return rows.map(([exampleId, a, b]) => ({ exampleId, a, b }));
}

/** Binary pairs with the given table: both right, both wrong, a-only right, b-only right. */
function binaryTable(both1: number, both0: number, aOnly: number, bOnly: number): PairedScore[] {
  const out: PairedScore[] = [];
  let i = 0;
  const id = () => `ex-${String(i++).padStart(5, "0")}`;
  for (let k = 0; k < both1; k++) out.push({ exampleId: id(), a: 1, b: 1 });
  for (let k = 0; k < both0; k++) out.push({ exampleId: id(), a: 0, b: 0 });
  for (let k = 0; k < aOnly; k++) out.push({ exampleId: id(), a: 1, b: 0 });
  for (let k = 0; k < bOnly; k++) out.push({ exampleId: id(), a: 0, b: 1 });
  return out;
}

describe("exactSignTestP", () => {
  it("matches hand-computed p-values for small tables exactly", () => {
    // (0,5): n=5, m=0 → 2·C(5,0)/2^5 = 2/32 = 0.0625
    expect(exactSignTestP(0, 5)).toBe(0.0625);
    expect(exactSignTestP(5, 0)).toBe(0.0625);
    // (1,5): n=6, m=1 → 2·(1+6)/64 = 14/64 = 0.21875
    expect(exactSignTestP(1, 5)).toBe(0.21875);
    // (2,2): n=4, m=2 → 2·(1+4+6)/16 = 22/16 > 1 → 1
    expect(exactSignTestP(2, 2)).toBe(1);
    // (0,0): no discordant pairs → 1
    expect(exactSignTestP(0, 0)).toBe(1);
    // (3,10): n=13, m=3 → C(13,0..3) = 1, 13, 78, 286; sum 378 → 2·378/8192 = 756/8192 = 0.09228515625
    expect(exactSignTestP(3, 10)).toBe(0.09228515625);
    expect(exactSignTestP(10, 3)).toBe(0.09228515625);
    // (0,1): 2·1/2 = 1; (1,1): 2·(1+2)/4 > 1 → 1
    expect(exactSignTestP(0, 1)).toBe(1);
    expect(exactSignTestP(1, 1)).toBe(1);
    // (0,6): 2/64 = 0.03125 — the smallest sample that can reach p < 0.05
    expect(exactSignTestP(0, 6)).toBe(0.03125);
  });

  it("agrees with an exact BigInt computation and a normal approximation for (400, 480)", () => {
    const p = exactSignTestP(400, 480);
    expect(p).toBeCloseTo(bigIntSignP(400, 480), 14);
    expect(Math.abs(p - bigIntSignP(400, 480)) / p).toBeLessThan(1e-10);
    // Normal approximation with continuity correction: z = (|480 − 400| − 1)/√880 = 79/29.665 ≈ 2.663,
    // two-sided p ≈ 2·(1 − Φ(2.663)) ≈ 0.0077.
    const z = (Math.abs(480 - 400) - 1) / Math.sqrt(880);
    const approx = 2 * normalUpperTail(z);
    expect(approx).toBeGreaterThan(0.007);
    expect(approx).toBeLessThan(0.0085);
    expect(Math.abs(p - approx) / approx).toBeLessThan(0.03);
  });

  it("stays finite and accurate for thousands of discordant pairs", () => {
    // n = 6000, well beyond where 2^n or C(n,k) overflow a double.
    const p = exactSignTestP(2900, 3100);
    expect(Number.isFinite(p)).toBe(true);
    expect(Math.abs(p - bigIntSignP(2900, 3100)) / p).toBeLessThan(1e-10);
    const z = (200 - 1) / Math.sqrt(6000);
    expect(Math.abs(p - 2 * normalUpperTail(z)) / p).toBeLessThan(0.02);
    // Lopsided: p is astronomically small but still positive and exact in relative terms.
    const tiny = exactSignTestP(1000, 3000);
    expect(tiny).toBeGreaterThan(0);
    expect(tiny).toBeLessThan(1e-200);
    // Balanced large tables give 1.
    expect(exactSignTestP(5000, 5000)).toBe(1);
  });

  it("underflows to 0 only when the p-value is genuinely below the double range", () => {
    expect(exactSignTestP(0, 2000)).toBe(0); // 2 / 2^2000
    expect(exactSignTestP(0, 1000)).toBe(2 ** -999);
  });

  it("rejects negative or fractional counts", () => {
    expect(() => exactSignTestP(-1, 3)).toThrow(RangeError);
    expect(() => exactSignTestP(1.5, 3)).toThrow(RangeError);
  });
});

describe("pairedBootstrapCi", () => {
  it("is deterministic for a seed and changes with the seed", () => {
    const diffs = [0.1, -0.2, 0.3, 0, 0.5, -0.1, 0.2, 0.4];
    const a = pairedBootstrapCi(diffs, 2000, 7);
    const b = pairedBootstrapCi(diffs, 2000, 7);
    expect(a).toEqual(b);
    const c = pairedBootstrapCi(diffs, 2000, 8);
    expect(c).not.toEqual(a);
  });

  it("returns [d, d] for a single difference and for constant differences", () => {
    expect(pairedBootstrapCi([0.3], 10_000, 0)).toEqual([0.3, 0.3]);
    // 0.1 summed 7 times and divided by 7 is not exactly 0.1 in floating point; the CI still is.
    expect(pairedBootstrapCi(Array(7).fill(0.1), 10_000, 0)).toEqual([0.1, 0.1]);
    expect(pairedBootstrapCi([-1, -1, -1], 100, 3)).toEqual([-1, -1]);
  });

  it("uses nearest-rank percentiles on the sorted resample means (hand-replayed)", () => {
    // Replay the documented procedure with the same Rng, then pick the ranks by hand.
    const diffs = [0, 1, 0, -1, 1];
    const seed = 42;
    const replay = (R: number): number[] => {
      const rng = new Rng(seed);
      const means: number[] = [];
      for (let r = 0; r < R; r++) {
        let s = 0;
        for (let j = 0; j < diffs.length; j++) s += diffs[rng.int(diffs.length)]!;
        means.push(s / diffs.length);
      }
      return means.sort((x, y) => x - y);
    };
    // R = 40: ranks ceil(0.025·40) = 1 and ceil(0.975·40) = 39 → the smallest and the second largest.
    const m40 = replay(40);
    expect(pairedBootstrapCi(diffs, 40, seed)).toEqual([m40[0], m40[38]]);
    // R = 80: ranks ceil(2) = 2 and ceil(78) = 78.
    const m80 = replay(80);
    expect(pairedBootstrapCi(diffs, 80, seed)).toEqual([m80[1], m80[77]]);
    // R = 10: ranks ceil(0.25) = 1 and ceil(9.75) = 10 → min and max.
    const m10 = replay(10);
    expect(pairedBootstrapCi(diffs, 10, seed)).toEqual([m10[0], m10[9]]);
    // R = 1: both ends are the single resample mean.
    const m1 = replay(1);
    expect(pairedBootstrapCi(diffs, 1, seed)).toEqual([m1[0], m1[0]]);
    // Every resample mean of these diffs is a multiple of 1/5 in [-1, 1].
    for (const v of pairedBootstrapCi(diffs, 40, seed)) expect(Math.round(v * 5)).toBeCloseTo(v * 5, 9);
  });

  it("gives a hand-checkable interval for two differences", () => {
    // diffs [0, 1], n = 2: each resample mean is 0 (p=1/4), 0.5 (1/2) or 1 (1/4). With 10,000
    // resamples, rank 250 of the sorted means is 0 and rank 9,750 is 1 unless fewer than 250 zeros or
    // ones were drawn — about 2,500 of each are expected.
    expect(pairedBootstrapCi([0, 1], 10_000, 0)).toEqual([0, 1]);
  });

  it("rejects empty input and bad options", () => {
    expect(() => pairedBootstrapCi([], 100, 0)).toThrow(/zero differences/);
    expect(() => pairedBootstrapCi([1, 2], 0, 0)).toThrow(/resamples/);
    expect(() => pairedBootstrapCi([1, 2], 2.5, 0)).toThrow(/resamples/);
    expect(() => pairedBootstrapCi([1, 2], 10, NaN)).toThrow(/seed/);
  });
});

describe("comparePaired", () => {
  const small = pairs([
    ["q1", 1, 1],
    ["q2", 0, 1],
    ["q3", 1, 0],
    ["q4", 0, 1],
    ["q5", 0, 0],
    ["q6", 0, 1],
  ]);

  it("computes means, the difference, the exact test and defaults", () => {
    const r = comparePaired(small);
    expect(r.n).toBe(6);
    expect(r.meanA).toBeCloseTo(2 / 6, 12);
    expect(r.meanB).toBeCloseTo(4 / 6, 12);
    expect(r.diff).toBeCloseTo(2 / 6, 12); // diffs 0, 1, -1, 1, 0, 1
    expect(r.bootstrap).toEqual({ resamples: 10_000, seed: 0 });
    // aOnly = q3, bOnly = q2, q4, q6 → (1,3): n=4, 2·(1+4)/16 = 0.625
    expect(r.exact).toEqual({ aOnly: 1, bOnly: 3, pValue: 0.625 });
    expect(r.diffCi95[0]).toBeLessThanOrEqual(r.diff);
    expect(r.diffCi95[1]).toBeGreaterThanOrEqual(r.diff);
  });

  it("lists improved and regressed examples by |b − a| descending, then id", () => {
    const r = comparePaired(
      pairs([
        ["e", 0.2, 0.7], // +0.5
        ["b", 0.5, 0.6], // +0.1 (approximately)
        ["a", 0.1, 0.6], // +0.5
        ["z", 0.0, 1.0], // +1
        ["c", 0.9, 0.4], // -0.5
        ["d", 0.8, 0.6], // -0.2
        ["f", 0.5, 0.5], // unchanged
        ["g", 1.0, 0.0], // -1
      ]),
      { resamples: 200 },
    );
    expect(r.improved.map((p) => p.exampleId)).toEqual(["z", "a", "e", "b"]);
    expect(r.regressed.map((p) => p.exampleId)).toEqual(["g", "c", "d"]);
    expect(r.improved[0]).toEqual({ exampleId: "z", a: 0, b: 1 });
    expect(r.regressed[2]).toEqual({ exampleId: "d", a: 0.8, b: 0.6 });
    // Non-binary scores: no exact test.
    expect(r.exact).toBeUndefined();
    expect("exact" in r).toBe(false);
  });

  it("omits the exact test when any score is not exactly 0 or 1", () => {
    const r = comparePaired(pairs([["x", 1, 0], ["y", 0, 1], ["z", 0.5, 1]]), { resamples: 100 });
    expect(r.exact).toBeUndefined();
    const binary = comparePaired(pairs([["x", 1, 0], ["y", 0, 1], ["z", 0, 1]]), { resamples: 100 });
    expect(binary.exact).toEqual({ aOnly: 1, bOnly: 2, pValue: 1 });
  });

  it("does not depend on the input order", () => {
    const rng = new Rng("data");
    const data: PairedScore[] = [];
    for (let i = 0; i < 60; i++) data.push({ exampleId: `id-${i}`, a: rng.next(), b: rng.next() * 0.8 + 0.2 });
    const base = comparePaired(data, { resamples: 3000, seed: 5 });
    for (const order of [new Rng(1).shuffle(data), new Rng(2).shuffle(data), [...data].reverse()]) {
      expect(comparePaired(order, { resamples: 3000, seed: 5 })).toEqual(base);
    }
    // Same for 0/1 data, including the exact test.
    const bin = binaryTable(20, 10, 4, 12);
    const binBase = comparePaired(bin, { seed: 9, resamples: 2000 });
    expect(comparePaired(new Rng(3).shuffle(bin), { seed: 9, resamples: 2000 })).toEqual(binBase);
  });

  it("is deterministic for a seed and records resamples and seed", () => {
    const bin = binaryTable(30, 20, 5, 15);
    const x = comparePaired(bin, { resamples: 500, seed: 11 });
    const y = comparePaired(bin, { resamples: 500, seed: 11 });
    expect(x).toEqual(y);
    expect(x.bootstrap).toEqual({ resamples: 500, seed: 11 });
  });

  it("produces a CI that contains the true mean difference and excludes 0 in a clear case", () => {
    // 200 examples: 40 b-only wins, 4 a-only wins → diff = 36/200 = 0.18
    const bin = binaryTable(100, 56, 4, 40);
    const r = comparePaired(bin);
    expect(r.diff).toBeCloseTo(0.18, 12);
    expect(r.diffCi95[0]).toBeLessThan(0.18);
    expect(r.diffCi95[1]).toBeGreaterThan(0.18);
    expect(r.diffCi95[0]).toBeGreaterThan(0);
    // Rough width check: se ≈ sqrt((44/200 − 0.18²)/200) ≈ 0.0313 → half-width ≈ 0.061.
    expect(r.diffCi95[1] - r.diffCi95[0]).toBeGreaterThan(0.09);
    expect(r.diffCi95[1] - r.diffCi95[0]).toBeLessThan(0.16);
    // Exact test: (4, 40) → tiny p, cross-checked against BigInt.
    expect(r.exact?.aOnly).toBe(4);
    expect(r.exact?.bOnly).toBe(40);
    expect(r.exact!.pValue).toBeCloseTo(bigIntSignP(4, 40), 15);
    expect(r.exact!.pValue).toBeLessThan(1e-7);
  });

  it("gives CI [d, d] for constant differences and for one example", () => {
    const r = comparePaired(pairs([["a", 0.25, 0.75], ["b", 0, 0.5], ["c", 0.5, 1]]));
    expect(r.diff).toBe(0.5);
    expect(r.diffCi95).toEqual([0.5, 0.5]);
    expect(r.improved.map((p) => p.exampleId)).toEqual(["a", "b", "c"]);
    const one = comparePaired(pairs([["only", 1, 0]]));
    expect(one.diff).toBe(-1);
    expect(one.diffCi95).toEqual([-1, -1]);
    expect(one.exact).toEqual({ aOnly: 1, bOnly: 0, pValue: 1 });
    expect(one.regressed).toEqual([{ exampleId: "only", a: 1, b: 0 }]);
  });

  it("throws clear errors for empty input, duplicate ids, non-finite scores and bad options", () => {
    expect(() => comparePaired([])).toThrow(UserError);
    expect(() => comparePaired([])).toThrow(/no paired scores/);
    expect(() => comparePaired(pairs([["a", 1, 0], ["b", 0, 1], ["a", 1, 1]]))).toThrow(/"a" appears more than once/);
    expect(() => comparePaired(pairs([["a", NaN, 0]]))).toThrow(/non-finite score for example "a"/);
    expect(() => comparePaired(pairs([["a", 0, Infinity]]))).toThrow(/non-finite/);
    expect(() => comparePaired(small, { resamples: 0 })).toThrow(/resamples must be a positive integer/);
    expect(() => comparePaired(small, { seed: Number.NaN })).toThrow(/seed/);
  });
});
