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

/** Lower median of the word counts of the demos' values for a field; none when no demo has one. */
export function lengthLimitFromDemos(demos: readonly Demo[], field: string): number | undefined {
  const counts = demos
    .filter((d) => d[field] !== undefined && d[field] !== null)
    .map((d) => words(valueToText(d[field])).length);
  if (counts.length === 0) return undefined;
  return Math.max(1, lowerMedian(counts));
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
}

/**
 * The window of at most `limit` consecutive words of a sentence holding the most content words
 * absent from the query, with no stopword at either edge. Ties go to the shorter window, then to the
 * earlier one. Returned as the sentence's own text between the window's first and last word.
 */
export function answerWindow(sentence: string, limit: number, query: ReadonlySet<string>): string {
  const tokens: Token[] = [...sentence.matchAll(TOKEN_RE)].map((m) => {
    const stems = termsOf(m[0]);
    return {
      start: m.index,
      end: m.index + m[0].length,
      content: contentWords(m[0]).length > 0,
      fresh: stems.some((s) => !query.has(s)),
    };
  });
  if (tokens.length <= limit) return sentence.trim();
  let best: { from: number; to: number; score: number } | undefined;
  for (let from = 0; from < tokens.length; from++) {
    if (!tokens[from]!.content) continue;
    let score = 0;
    for (let to = from; to < Math.min(tokens.length, from + limit); to++) {
      if (tokens[to]!.fresh) score++;
      if (!tokens[to]!.content) continue;
      if (!best || score > best.score || (score === best.score && to - from < best.to - best.from)) {
        best = { from, to, score };
      }
    }
  }
  if (!best) return sentence.slice(tokens[0]!.start, tokens[limit - 1]!.end);
  // A span ending in a possessive reads as the name itself: "Gustave Eiffel's" → "Gustave Eiffel".
  return sentence.slice(tokens[best.from]!.start, tokens[best.to]!.end).replace(/['’]s$/, "");
}
