import { normalizeText, valueToText } from "../util/text.js";
import type { Metric } from "./types.js";
import { fieldMetricName, goldAlternatives, goldValue, predictedValue, show, showGold } from "./field.js";

/**
 * Whether normalized `text` contains normalized `part` as whole words ("cat" is not found in
 * "concatenate"). An empty part is contained in anything.
 */
export function containsWords(text: unknown, part: unknown): boolean {
  const whole = ` ${normalizeText(valueToText(text))} `;
  const needle = normalizeText(valueToText(part));
  return needle === "" || whole.includes(` ${needle} `);
}

export function contains(field: string, gold: string): Metric {
  return {
    name: fieldMetricName("contains", field, gold),
    labels: [gold],
    async score(example, prediction) {
      const predicted = predictedValue(prediction, field);
      const expected = goldValue(example, gold);
      const found = goldAlternatives(expected).find((g) => containsWords(predicted, g));
      if (found !== undefined) return { score: 1, feedback: `${field}: contains ${show(found)}` };
      return {
        score: 0,
        feedback: `${field}: expected it to contain ${showGold(expected)}, got ${show(predicted)}`,
      };
    },
  };
}
