import { UserError } from "../util/errors.js";
import type { Metric } from "./types.js";
import { fieldMetricName, goldAlternatives, goldValue, predictedValue, show } from "./field.js";

/**
 * One number written in text: an optional sign attached to it, an optional currency symbol, digits
 * with optional thousands separators ("1,200" but not "1,2"), a fraction and an exponent. Not part
 * of a word ("v2") or of another number: "3-4" reads 3 and 4, not 3 and -4; "12kg" reads 12.
 */
const NUMBER =
  /(?<![\p{L}\p{N}.,])([-+\u2212]?)[$€£¥]?\s?((?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)/gu;

/**
 * A value read as a number: numbers as they are; text by its number, the last one when there are
 * several ("5 + 3 = 8" reads 8, as LMs tend to end with the answer). Undefined when there is none.
 */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  let last: RegExpExecArray | undefined;
  for (const m of value.matchAll(NUMBER)) last = m;
  if (last === undefined) return undefined;
  const sign = last[1] === "-" || last[1] === "\u2212" ? -1 : 1;
  const n = sign * Number(last[2]!.replaceAll(",", ""));
  return Number.isFinite(n) ? n : undefined;
}

export function numeric(field: string, gold: string, tolerance: number, relative: boolean, programFile: string): Metric {
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new UserError({
      message: `metric numeric on \`${field}\`: tolerance must be a number ≥ 0, got ${tolerance}`,
      pos: { file: programFile },
    });
  }
  const shownTolerance = relative ? `±${formatNumber(tolerance * 100)}%` : `±${formatNumber(tolerance)}`;
  return {
    name: fieldMetricName("numeric", field, gold, shownTolerance),
    labels: [gold],
    async score(example, prediction) {
      const golds = goldAlternatives(goldValue(example, gold)).map((g) => {
        const n = readNumber(g);
        if (n === undefined) throw new Error(`example ${example.id}: gold \`${gold}\` is not a number: ${show(g)}`);
        return n;
      });
      const predicted = predictedValue(prediction, field);
      const p = readNumber(predicted);
      const expected = golds.map(formatNumber).join(" or ");
      if (p === undefined) {
        return { score: 0, feedback: `${field}: expected ${expected}, got ${show(predicted)} (not a number)` };
      }
      let closest = golds[0];
      for (const g of golds) {
        if (within(p, g, tolerance, relative)) return { score: 1, feedback: `${field}: correct (${formatNumber(p)})` };
        if (closest === undefined || Math.abs(p - g) < Math.abs(p - closest)) closest = g;
      }
      if (closest === undefined) return { score: 0, feedback: `${field}: no gold number to compare with` };
      return {
        score: 0,
        feedback: `${field}: expected ${expected} (${shownTolerance}), got ${formatNumber(p)} (off by ${formatNumber(Math.abs(p - closest))})`,
      };
    },
  };
}

function within(p: number, g: number, tolerance: number, relative: boolean): boolean {
  const allowed = relative ? tolerance * Math.abs(g) : tolerance;
  // Slack for binary floating point: 0.1 + 0.2 must equal 0.3 at tolerance 0.
  return Math.abs(p - g) <= allowed + 1e-9 * Math.max(1, Math.abs(g));
}

/** Short, exact-enough numbers for feedback (no 0.30000000000000004). */
function formatNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}
