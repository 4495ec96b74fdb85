import { contentWords, valueToText } from "../../util/text.js";

/**
 * Light suffix stripping (plural, -ed, -ing, final e) so that "refunds", "refunded" and
 * "refunding" all meet at "refund", and "charge"/"charged"/"charging" at "charg". It only has to
 * be consistent, not linguistically right: stems are compared with stems, never shown.
 */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/, "");
  if (w.length <= 3 || /^\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("ied") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("ing") && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith("ed") && !w.endsWith("eed") && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.endsWith("e") && w.length > 4) w = w.slice(0, -1);
  return w;
}

/** "stopp" → "stop", "shipp" → "ship"; ll/ss/zz stay ("bill", "pass"). */
function undouble(w: string): string {
  return /([b-df-hj-kmnp-rtv-y])\1$/.test(w) ? w.slice(0, -1) : w;
}

/** Stemmed content words of a text, in order. */
export function termsOf(text: string): string[] {
  return contentWords(text).map(stem);
}

/** A field value as plain text: list items and object members (e.g. `{title, text}` passages) on their own lines. */
export function fieldText(value: unknown): string {
  if (Array.isArray(value)) return value.map(fieldText).join("\n");
  if (value !== null && typeof value === "object") return Object.values(value).map(fieldText).join("\n");
  return valueToText(value);
}

/** The stemmed content words of a text, kept both in order (for phrases) and as a set. */
export class Terms {
  readonly list: readonly string[];
  readonly set: ReadonlySet<string>;

  constructor(list: readonly string[]) {
    this.list = list;
    this.set = new Set(list);
  }

  static of(text: string): Terms {
    return new Terms(termsOf(text));
  }

  /** Whether the stems occur here: a single stem anywhere, several as consecutive content words. */
  has(stems: readonly string[]): boolean {
    if (stems.length === 0) return false;
    if (stems.length === 1) return this.set.has(stems[0]!);
    if (!stems.every((s) => this.set.has(s))) return false;
    for (let i = 0; i + stems.length <= this.list.length; i++) {
      if (stems.every((s, j) => this.list[i + j] === s)) return true;
    }
    return false;
  }
}
