// Small helpers shared by the benchmarks: timing and a plain table printer.

export function now() {
  return performance.now();
}

/** Runs fn `repeat` times and returns the median duration in ms (first run is a warm-up). */
export async function medianMs(fn, repeat = 5) {
  await fn();
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = now();
    await fn();
    times.push(now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function printTable(title, head, rows) {
  const widths = head.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  console.log(`\n### ${title}\n`);
  console.log(line(head));
  console.log("| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |");
  for (const r of rows) console.log(line(r));
}

export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
