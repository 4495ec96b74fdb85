import { sentences } from "../../util/text.js";
import type { PredictContext } from "./context.js";
import { lengthLimitOfLine, NUMERIC_QUESTION } from "./shape.js";
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
  const wantsNumber = new Map<string, boolean>();
  const numeric = (field: string) => {
    let w = wantsNumber.get(field);
    if (w === undefined) {
      w = fields.length > 1 && NUMERIC_QUESTION.test(fields.filter((f) => f !== field).map((f) => fieldText(ctx.meta.inputs[f])).join(" "));
      wantsNumber.set(field, w);
    }
    return w;
  };
  let best: BestSentence | undefined;
  for (const sentence of candidates) {
    const query = queryOf(sentence.field);
    let total = 0;
    for (const t of query) total += idf(t);
    let covered = 0;
    for (const t of new Set(sentence.terms)) if (query.has(t)) covered += idf(t);
    const coverage = total > 0 ? covered / total : 0;
    // An answer sentence holds something the question lacks of the kind it asks for: a number for
    // "how many / when", a name or a code otherwise. A small nudge, so coverage still leads.
    const bonus = coverage > 0 ? ANSWER_TYPE_BONUS * answerTypeMatch(sentence.text, query, numeric(sentence.field)) : 0;
    const score = ctx.noise.scale(coverage + bonus);
    if (!best || score > best.score) best = { sentence, score, query };
  }
  return best;
}

/** How much a matching answer type weighs against query coverage (a share in 0..1). */
export const ANSWER_TYPE_BONUS = 0.2;

/** 1 when the sentence holds a token of the asked-for kind that the question does not, else 0. */
function answerTypeMatch(text: string, query: ReadonlySet<string>, wantsNumber: boolean): number {
  const tokens = text.match(/[\p{L}\p{N}]+(?:['’.,:/+=_@-][\p{L}\p{N}]+)*/gu) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (termsOf(t).every((s) => query.has(s))) continue;
    if (wantsNumber ? /\d/.test(t) : /\d/.test(t) || (i > 0 && /^\p{Lu}/u.test(t)) || /[A-Z].*[A-Z]|[=_@+]/.test(t)) return 1;
  }
  return 0;
}

function withoutLengthLines(instruction: string): string {
  return instruction
    .split("\n")
    .filter((line) => lengthLimitOfLine(line) === undefined)
    .join("\n");
}
