import { sentences } from "../../util/text.js";
import type { PredictContext } from "./context.js";
import { lengthLimitOfLine } from "./shape.js";
import { idfTable } from "./similarity.js";
import { fieldText, termsOf } from "./terms.js";

/** Demos at least this similar to the current inputs are treated as the same question. */
export const NEAR_IDENTICAL = 0.9;

/** A demo close enough to copy its answer for a field. */
export function nearDemo(field: string, ctx: PredictContext): { index: number; value: unknown } | undefined {
  let best: { index: number; similarity: number } | undefined;
  ctx.meta.demos.forEach((demo, index) => {
    const similarity = ctx.demoSimilarity[index] ?? 0;
    if (demo[field] === undefined || demo[field] === null || similarity < NEAR_IDENTICAL) return;
    if (!best || similarity > best.similarity) best = { index, similarity };
  });
  return best && { index: best.index, value: ctx.meta.demos[best.index]![field] };
}

export interface Sentence {
  field: string;
  text: string;
  terms: string[];
}

export interface BestSentence {
  sentence: Sentence;
  /** Share of the query's idf mass the sentence covers. */
  score: number;
  /** What the sentence was matched against (stems): the other inputs, or the instruction. */
  query: ReadonlySet<string>;
}

/**
 * Extractive reading: every sentence of every input value is a candidate, scored by how much of the
 * query it covers — the content words of the OTHER input fields (so a passage sentence is matched
 * against the question), or of the instruction when there is one input field. Coverage is
 * idf-weighted and normalised by the query's own weight, so the question itself, matched against a
 * whole list of passages, does not beat the passage sentence that answers it. Ties → earliest.
 */
export function bestSentence(ctx: PredictContext): BestSentence | undefined {
  const fields = ctx.inputFields;
  const candidates: Sentence[] = fields.flatMap((field) => {
    const value = ctx.meta.inputs[field];
    const items = Array.isArray(value) ? value : [value];
    return items.flatMap((item) => sentences(fieldText(item)).map((text) => ({ field, text, terms: termsOf(text) })));
  });
  if (candidates.length === 0) return undefined;
  const idf = idfTable(candidates.map((c) => c.terms));
  const instructionQuery = new Set(termsOf(withoutLengthLines(ctx.meta.instruction)));
  const queries = new Map<string, Set<string>>();
  const queryOf = (field: string): Set<string> => {
    if (fields.length <= 1) return instructionQuery;
    let q = queries.get(field);
    if (!q) {
      q = new Set(fields.filter((f) => f !== field).flatMap((f) => termsOf(fieldText(ctx.meta.inputs[f]))));
      queries.set(field, q);
    }
    return q;
  };
  let best: BestSentence | undefined;
  for (const sentence of candidates) {
    const query = queryOf(sentence.field);
    let total = 0;
    for (const t of query) total += idf(t);
    let covered = 0;
    for (const t of new Set(sentence.terms)) if (query.has(t)) covered += idf(t);
    const score = total > 0 ? ctx.noise.scale(covered / total) : 0;
    if (!best || score > best.score) best = { sentence, score, query };
  }
  return best;
}

function withoutLengthLines(instruction: string): string {
  return instruction
    .split("\n")
    .filter((line) => lengthLimitOfLine(line) === undefined)
    .join("\n");
}
