/**
 * Text helpers shared by metrics, the `sim` model and retrieval: one tokenizer so that "the same
 * word" means the same thing everywhere.
 */

const STOPWORDS = new Set(
  (
    "a an the and or but if then else of to in on at by for with from into onto over under about as " +
    "per via within without between through during until while among across upon " +
    "is are was were be been being am do does did doing have has had having i me my mine we us our " +
    "ours you your yours he him his she her hers it its they them their theirs this that these those " +
    "there here what which who whom whose when where why how all any both each few more most other " +
    "some such no nor not only own same so than too very can will just should would could may might " +
    "must shall s t don now also up down out off again further once get got please hi hello thanks " +
    "thank regards dear i'm i've it's can't don't won't isn't aren't wasn't weren't"
  ).split(/\s+/),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Lower-cased word tokens (letters, digits, inner apostrophes and hyphens kept). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Words without stopwords: what carries the meaning of a text. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOPWORDS.has(w) && !(w.length === 1 && !/\d/.test(w)));
}

/** Case, surrounding space, punctuation and articles removed; inner whitespace collapsed. */
export function normalizeText(text: string): string {
  // Most labels are already plain lower-case words: skip the Unicode work for them.
  if (/^[a-z0-9]+(?: [a-z0-9]+)*$/.test(text) && !/\b(?:a|an|the)\b/.test(text)) return text;
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .replace(/\b(a|an|the)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Split prose into sentences (also on line breaks), trimmed and non-empty. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Any value as prompt/metric text: strings as is, everything else as JSON. */
export function valueToText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
