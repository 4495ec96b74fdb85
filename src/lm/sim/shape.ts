import type { Demo } from "../../program/types.js";
import { contentWords, valueToText, words } from "../../util/text.js";
import { termsOf } from "./terms.js";

/**
 * Answer shape. Real LMs follow length instructions and imitate the length of demo answers, so sim
 * does too: a free-text answer longer than the limit is cut to its most informative span.
 */

/** The line reflection writes; LENGTH_PATTERNS below also read it back. */
export function lengthLine(limit: number): string {
  return `Answer in at most ${limit} ${limit === 1 ? "word" : "words"}, quoting the passage.`;
}

const LENGTH_PATTERNS = [
  /\b(?:at most|no more than|not more than|up to|maximum of|a maximum of|max(?:imum)?)\s+(\d+)\s+words?\b/i,
  /\b(\d+)\s+words?\s+or\s+(?:fewer|less)\b/i,
];

/** The word limit an instruction line sets ("at most 5 words", "3 words or fewer"), if any. */
export function lengthLimitOfLine(line: string): number | undefined {
  for (const re of LENGTH_PATTERNS) {
    const m = re.exec(line);
    if (m) {
      const n = Number(m[1]);
      if (n >= 1) return n;
    }
  }
  return undefined;
}

export function lengthLimitFromInstruction(instruction: string): number | undefined {
  for (const line of instruction.split("\n")) {
    const n = lengthLimitOfLine(line);
    if (n !== undefined) return n;
  }
  return undefined;
}

/**
 * The typical length of the demos' answers for a field (the upper median of their word counts, so
 * one terse demo does not cut every answer to a single word); none when no demo has one.
 */
export function lengthLimitFromDemos(demos: readonly Demo[], field: string): number | undefined {
  const counts = demos
    .filter((d) => d[field] !== undefined && d[field] !== null)
    .map((d) => words(valueToText(d[field])).length);
  if (counts.length === 0) return undefined;
  return Math.max(1, upperMedian(counts));
}

/** The middle value; of the two middle ones, the larger. 0 for no values. */
export function upperMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** The middle value; of the two middle ones, the smaller. 0 for no values. */
export function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:['’.,:/-][\p{L}\p{N}]+)*/gu;

interface Token {
  start: number;
  end: number;
  content: boolean;
  /** A content word the query does not have: what an answer adds to the question. */
  fresh: boolean;
  /** Looks like the kind of thing answers are made of: a number, a name, a code or a path. */
  answerLike: boolean;
  hasDigit: boolean;
  /** A word of the query: answers sit next to the words that match the question. */
  inQuery: boolean;
}

/** Questions that ask for a quantity, a time, a version or a date. */
export const NUMERIC_QUESTION =
  /\b(how (many|much|long|often|old|big|large|far|soon|fast|quickly|high|low)|what (version|year|date|day|time|size|limit|price|percentage|range|number|speed|rate)|when|which (version|release|year|day)|maximum|minimum|max|min|number of|range)\b/i;

/**
 * The window of at most `limit` consecutive words of a sentence that best answers the question.
 * Each content word the query lacks is worth 1, plus 1 when it looks like an answer (a number, a
 * capitalised name, a code such as `BP-204` or `Ctrl+K`), plus 2 for a number when the question asks
 * for a quantity, a time or a date. The worth fades gently with the distance to the nearest word of
 * the query (÷ 1 + 0.15 per word beyond the first): answers sit near the words that match the
 * question, though often at the end of the sentence. No stopword at either edge. Ties go to the
 * shorter window, then to the earlier one. Returned as the sentence's own text between the window's
 * first and last word.
 */
export function answerWindow(sentence: string, limit: number, query: ReadonlySet<string>, question = ""): string {
  const wantsNumber = NUMERIC_QUESTION.test(question);
  const matches = [...sentence.matchAll(TOKEN_RE)];
  const tokens: Token[] = matches.map((m, i) => {
    const stems = termsOf(m[0]);
    const text = m[0];
    const around = sentence.slice(Math.max(0, m.index - 1), m.index + text.length + 1);
    const answerLike = /\d/.test(text) || (i > 0 && /^\p{Lu}/u.test(text)) || /[A-Z].*[A-Z]/.test(text) || /[=_@+>\\]/.test(around);
    return {
      start: m.index,
      end: m.index + text.length,
      // "AM" in "8:00 AM" is not the verb: a capitalised or coded token is content whatever its letters.
      content: contentWords(text).length > 0 || answerLike,
      fresh: stems.some((s) => !query.has(s)) || (stems.length === 0 && answerLike),
      hasDigit: /\d/.test(text),
      answerLike,
      inQuery: stems.length > 0 && stems.every((s) => query.has(s)),
    };
  });
  if (tokens.length <= limit) return sentence.trim();
  const anchors = tokens.flatMap((t, i) => (t.inQuery ? [i] : []));
  const worth = tokens.map((t, i) => {
    if (!t.fresh) return 0;
    const base = 1 + (t.answerLike ? 1 : 0) + (t.hasDigit && wantsNumber ? 2 : 0);
    const distance = anchors.length === 0 ? 1 : Math.min(...anchors.map((a) => Math.abs(a - i)));
    return base / (1 + 0.15 * (Math.max(1, distance) - 1));
  });
  let best: { from: number; to: number; score: number } | undefined;
  for (let from = 0; from < tokens.length; from++) {
    if (!tokens[from]!.content) continue;
    let score = 0;
    for (let to = from; to < Math.min(tokens.length, from + limit); to++) {
      score += worth[to]!;
      if (!tokens[to]!.content) continue;
      if (!best || score > best.score + 1e-9 || (Math.abs(score - best.score) <= 1e-9 && to - from < best.to - best.from)) {
        best = { from, to, score };
      }
    }
  }
  if (!best) return sentence.slice(tokens[0]!.start, tokens[limit - 1]!.end);
  // A span ending in a possessive reads as the name itself: "Gustave Eiffel's" → "Gustave Eiffel".
  return sentence.slice(tokens[best.from]!.start, tokens[best.to]!.end).replace(/['’]s$/, "");
}
