import { contentWords, normalizeText, valueToText } from "../../util/text.js";
import { stem } from "./terms.js";

export interface Judgement {
  /** In [0, 1], rounded to 3 decimals. */
  score: number;
  feedback: string;
}

/**
 * sim as a judge: with a reference, the token F1 of output against reference; without one, the
 * share of the rubric's content words the output mentions. The feedback names what is missing.
 */
export function judge(inputs: Record<string, unknown>): Judgement {
  const output = valueToText(inputs.output);
  const reference = valueToText(inputs.reference).trim();
  if (reference !== "") {
    const score = round3(tokenF1(output, reference));
    if (score === 1) return { score, feedback: "The output matches the reference." };
    const missing = missingWords(reference, output);
    return {
      score,
      feedback: missing.length > 0
        ? `Missing from the output: ${missing.join(", ")}.`
        : "The output has words the reference does not.",
    };
  }
  const rubricWords = distinctWords(valueToText(inputs.rubric));
  if (rubricWords.length === 0) return { score: 1, feedback: "The rubric asks for nothing in particular." };
  const missing = missingWords(valueToText(inputs.rubric), output);
  const score = round3((rubricWords.length - missing.length) / rubricWords.length);
  return {
    score,
    feedback: missing.length > 0 ? `The output does not mention: ${missing.join(", ")}.` : "The output covers the rubric.",
  };
}

/** SQuAD-style F1 over normalised tokens, counting repeats. */
export function tokenF1(output: string, reference: string): number {
  const a = tokens(output);
  const b = tokens(reference);
  if (a.length === 0 && b.length === 0) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of b) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of a) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      common++;
      counts.set(t, n - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / a.length;
  const recall = common / b.length;
  return (2 * precision * recall) / (precision + recall);
}

function tokens(text: string): string[] {
  return normalizeText(text).split(" ").filter((t) => t !== "");
}

/** Content words of `source` (first spelling of each stem) that `text` lacks. */
function missingWords(source: string, text: string): string[] {
  const present = new Set(contentWords(text).map(stem));
  return distinctWords(source).filter((w) => !present.has(stem(w)));
}

function distinctWords(text: string): string[] {
  const seen = new Set<string>();
  return contentWords(text).filter((w) => {
    const s = stem(w);
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
