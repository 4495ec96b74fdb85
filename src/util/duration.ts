/** Parses `500ms`, `30s`, `5m`, `2h`, `30d` (or a bare number of `unit`s) into milliseconds. */
export function parseDuration(text: string, bareUnit: "ms" | "s" = "s"): number | undefined {
  const t = text.trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?$/.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? bareUnit;
  const factor = unit === "ms" ? 1 : unit === "s" || unit === "sec" ? 1000 : unit === "m" || unit === "min" ? 60_000 : unit === "h" ? 3_600_000 : 86_400_000;
  return n * factor;
}
