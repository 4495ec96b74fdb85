import { normalizeText, valueToText, words } from "../util/text.js";
import type { Metric } from "./types.js";
import { clip, fieldMetricName, goldAlternatives, goldValue, predictedValue } from "./field.js";

/** Word overlap between a prediction and one gold answer, with what differs. */
export interface TokenOverlap {
  f1: number;
  /** Gold words the prediction lacks (repeats counted). */
  missing: string[];
  /** Predicted words the gold lacks (repeats counted). */
  extra: string[];
}

export function tokens(value: unknown): string[] {
  return words(normalizeText(valueToText(value)));
}

/** SQuAD-style token F1: overlap counted as a multiset, so a word repeated twice must match twice. */
export function tokenOverlap(predicted: readonly string[], gold: readonly string[]): TokenOverlap {
  const unmatched = new Map<string, number>();
  for (const w of gold) unmatched.set(w, (unmatched.get(w) ?? 0) + 1);
  const extra: string[] = [];
  let common = 0;
  for (const w of predicted) {
    const left = unmatched.get(w) ?? 0;
    if (left > 0) {
      unmatched.set(w, left - 1);
      common++;
    } else {
      extra.push(w);
    }
  }
  const missing = gold.filter((w) => {
    const left = unmatched.get(w) ?? 0;
    if (left === 0) return false;
    unmatched.set(w, left - 1);
    return true;
  });
  let f1: number;
  if (predicted.length === 0 || gold.length === 0) f1 = predicted.length === gold.length ? 1 : 0;
  else if (common === 0) f1 = 0;
  else {
    const precision = common / predicted.length;
    const recall = common / gold.length;
    f1 = (2 * precision * recall) / (precision + recall);
  }
  return { f1, missing, extra };
}

export function f1(field: string, gold: string): Metric {
  return {
    name: fieldMetricName("f1", field, gold),
    labels: [gold],
    async score(example, prediction) {
      const predicted = predictedValue(prediction, field);
      const predTokens = tokens(predicted);
      let best: TokenOverlap | undefined;
      for (const g of goldAlternatives(goldValue(example, gold))) {
        const overlap = tokenOverlap(predTokens, tokens(g));
        if (best === undefined || overlap.f1 > best.f1) best = overlap;
      }
      if (best === undefined) return { score: 0, feedback: `${field}: no gold answer to compare with` };
      if (best.f1 >= 1) return { score: 1, feedback: `${field}: all words match` };
      if (predTokens.length === 0) {
        return { score: 0, feedback: `${field}: got nothing, expected words: ${wordList(best.missing)}` };
      }
      const parts = [`${field}: F1 ${best.f1.toFixed(2)}`];
      if (best.missing.length > 0) parts.push(`missing: ${wordList(best.missing)}`);
      if (best.extra.length > 0) parts.push(`extra: ${wordList(best.extra)}`);
      return { score: best.f1, feedback: parts.join("; ") };
    },
  };
}

function wordList(list: readonly string[]): string {
  return clip(list.join(", "), 80);
}
