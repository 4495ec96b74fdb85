/** Text helpers shared by the machine-readable reports (JUnit XML, Markdown summaries). */

import { isShortfall, lowerFirst } from "../../evaluate/lowest.js";
import type { ResultDigest } from "../../evaluate/types.js";
import type { Example } from "../../program/example.js";
import { formatScore } from "../output.js";

/** Characters XML 1.0 does not allow anywhere: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const XML_ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Lone (unpaired) UTF-16 surrogates. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` without the characters XML 1.0 forbids (they cannot even be written as character references). */
export function xmlLegal(text: string): string {
  return text.replace(XML_ILLEGAL, "");
}

/** `text` without unpaired surrogates (so it encodes to valid UTF-8). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "");
}

/**
 * Text content for XML: illegal characters dropped, the five markup characters escaped (so `]]>` can
 * never appear), and CR kept as a reference so parsers do not normalise it away.
 */
export function xmlText(text: string): string {
  return xmlLegal(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;");
}

/** An attribute value for XML (to go between double quotes): as `xmlText`, with tab/LF/CR as references. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/\n/g, "&#10;").replace(/\t/g, "&#9;");
}

/** At most `max` characters, ending with "…" when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * A value as one line: strings as they are, anything else as JSON; control characters dropped and runs
 * of whitespace made one space.
 */
export function flatten(value: unknown): string {
  const text = typeof value === "string" ? value : (safeJson(value) ?? "");
  return text.replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, "").replace(/\s+/g, " ").trim();
}

/** JSON.stringify that never throws (cycles, BigInt) and says so instead. */
export function safeJson(value: unknown, indent?: number): string | undefined {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), indent);
  } catch {
    return "[unserialisable]";
  }
}

/** What to show for an example's input: the single input's value, or the inputs object. */
export function inputValue(example: Example | undefined): unknown {
  if (!example) return undefined;
  const values = Object.values(example.inputs);
  return values.length === 1 ? values[0] : example.inputs;
}

/**
 * Two scores formatted so they read as different when they are: three decimals, more (up to six)
 * when three would print them the same (0.9995 vs 1 → "0.9995" and "1.0000").
 */
export function formatScorePair(a: number, b: number): [string, string] {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return [formatScore(a), formatScore(b)];
  for (let digits = 3; digits <= 6; digits++) {
    const fa = a.toFixed(digits);
    const fb = b.toFixed(digits);
    if (fa !== fb || digits === 6) return [fa, fb];
  }
  return [formatScore(a), formatScore(b)];
}

/** How far apart two scores are, with enough decimals not to print "0.000" for a real gap. */
export function formatGap(gap: number): string {
  if (!Number.isFinite(gap)) return formatScore(gap);
  const abs = Math.abs(gap);
  for (let digits = 3; digits <= 6; digits++) {
    if (Number(abs.toFixed(digits)) !== 0 || digits === 6) return abs.toFixed(digits);
  }
  return abs.toFixed(3);
}

/** Lowest-scoring examples (errors first among equals), in the order an evaluation keeps its `lowest`. */
export function worstResults<R extends ResultDigest>(results: readonly R[], count: number): R[] {
  return results.filter(isShortfall).sort(lowerFirst).slice(0, count);
}
