const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, min: 60_000, s: 1000, sec: 1000, ms: 1 };

/**
 * Parses a duration into milliseconds: `500ms`, `30s`, `5m`, `2h`, `30d`, or several parts from the
 * largest unit down, as dspx prints durations (`1h30m`, `5m03s`, `1d12h`). A bare number is a
 * number of `bareUnit`s. Undefined when the text is none of these.
 */
export function parseDuration(text: string, bareUnit: "ms" | "s" = "s"): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * UNIT_MS[bareUnit]!;
  if (t === "") return undefined;
  let total = 0;
  let last = Infinity;
  let rest = t;
  while (rest !== "") {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|h|d)\s*/.exec(rest);
    if (!m) return undefined;
    const unit = UNIT_MS[m[2]!]!;
    // Largest unit first, each once: "30m1h" and "1m1m" are more likely typos than sums.
    if (unit >= last) return undefined;
    last = unit;
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Whether `text` is a bare number, with no unit. */
export function isBareNumber(text: string): boolean {
  return /^\s*\d+(?:\.\d+)?\s*$/.test(text);
}
