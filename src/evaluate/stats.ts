/** Two-sided 97.5% quantiles of Student's t for small samples; 1.96 beyond. */
const T975: Record<number, number> = {
  1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
  11: 2.201, 12: 2.179, 13: 2.16, 14: 2.145, 15: 2.131, 16: 2.12, 17: 2.11, 18: 2.101, 19: 2.093, 20: 2.086,
  21: 2.08, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.06, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
  40: 2.021, 60: 2.0, 120: 1.98,
};

export function tQuantile975(df: number): number {
  if (df <= 0) return Infinity;
  if (T975[df] !== undefined) return T975[df]!;
  if (df > 120) return 1.96;
  const keys = Object.keys(T975).map(Number).sort((a, b) => a - b);
  const hi = keys.find((k) => k > df)!;
  const lo = [...keys].reverse().find((k) => k < df)!;
  // Interpolate in 1/df, which is close to linear for t quantiles.
  const w = (1 / df - 1 / hi) / (1 / lo - 1 / hi);
  return T975[hi]! + w * (T975[lo]! - T975[hi]!);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export function sampleStdDev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

/** Mean with a 95% t-interval, clipped to [lo, hi] when the scores live in a bounded range. */
export function meanWithCI(values: readonly number[], bounds: [number, number] = [0, 1]): { mean: number; ci95: [number, number] } {
  const m = mean(values);
  if (values.length < 2) return { mean: m, ci95: [values.length === 1 ? m : NaN, values.length === 1 ? m : NaN] };
  const half = tQuantile975(values.length - 1) * (sampleStdDev(values) / Math.sqrt(values.length));
  const lo = Math.max(bounds[0], m - half);
  const hi = Math.min(bounds[1], m + half);
  return { mean: m, ci95: [lo, hi] };
}
