const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * A one-line chart of a series (at most `width` columns: longer series are averaged into buckets),
 * with its first and last values. Plain text: it reads the same with or without colour.
 */
export function sparkline(values: readonly number[], width = 48): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const buckets: number[] = [];
  const per = Math.max(1, Math.ceil(finite.length / width));
  for (let i = 0; i < finite.length; i += per) {
    const chunk = finite.slice(i, i + per);
    buckets.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  const lo = Math.min(...buckets);
  const hi = Math.max(...buckets);
  const line = buckets.map((v) => BLOCKS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BLOCKS.length - 1))]).join("");
  return `${finite[0]!.toFixed(3)} ${line} ${finite[finite.length - 1]!.toFixed(3)}`;
}
