import { canonicalJson } from "../util/canonical.js";
import { normalizeText } from "../util/text.js";
import type { Metric } from "./types.js";
import { fieldMetricName, goldAlternatives, goldValue, predictedValue, show, showGold } from "./field.js";

/**
 * The form two values are compared in: text normalized (case, spacing, punctuation, articles);
 * numbers and booleans as their text, so "42" matches 42 and "True" matches true; structures as
 * canonical JSON with every string inside normalized.
 */
export function matchKey(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return normalizeText(value);
  if (typeof value === "number" || typeof value === "boolean") return normalizeText(String(value));
  return canonicalJson(normalizeStrings(value));
}

function normalizeStrings(value: unknown): unknown {
  if (typeof value === "string") return normalizeText(value);
  if (Array.isArray(value)) return value.map(normalizeStrings);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeStrings(v)]));
  }
  return value;
}

export function exactMatch(field: string, gold: string): Metric {
  return {
    name: fieldMetricName("exact_match", field, gold),
    labels: [gold],
    async score(example, prediction) {
      const predicted = predictedValue(prediction, field);
      const expected = goldValue(example, gold);
      const golds = goldAlternatives(expected, predicted);
      const key = matchKey(predicted);
      if (golds.some((g) => matchKey(g) === key)) {
        return { score: 1, feedback: `${field}: correct (${show(predicted)})` };
      }
      return { score: 0, feedback: `${field}: expected ${showGold(expected, predicted)}, got ${show(predicted)}` };
    },
  };
}
