import type { Example } from "../program/example.js";
import { valueToText } from "../util/text.js";

/** The longest value quoted in feedback; longer values are cut with an ellipsis. */
const FEEDBACK_VALUE_CHARS = 80;

/**
 * The gold value an example holds for `gold`: from its labels, else from its inputs (a metric may
 * compare an output with an input, e.g. "the summary contains the title").
 */
export function goldValue(example: Example, gold: string): unknown {
  if (Object.hasOwn(example.labels, gold) && example.labels[gold] !== undefined) return example.labels[gold];
  if (Object.hasOwn(example.inputs, gold) && example.inputs[gold] !== undefined) return example.inputs[gold];
  // The dataset is checked against the metric's labels before a run, so this is one bad row: the
  // evaluator records the error for this example only.
  throw new Error(`example ${example.id} has no value for \`${gold}\``);
}

/** A program output, `undefined` when the program did not produce it. */
export function predictedValue(prediction: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(prediction, field) ? prediction[field] : undefined;
}

/**
 * The correct answers a gold value stands for: a list of golds means "any of these". When the
 * prediction is itself a list, the gold list also counts as one whole answer.
 */
export function goldAlternatives(gold: unknown, predicted?: unknown): unknown[] {
  if (!Array.isArray(gold)) return [gold];
  return Array.isArray(predicted) ? [gold, ...gold] : [...gold];
}

/** A value as one short line of feedback: "nothing" when empty, long values cut to ~80 chars. */
export function show(value: unknown): string {
  const text = valueToText(value).replace(/\s+/g, " ").trim();
  if (text === "") return "nothing";
  return clip(text, FEEDBACK_VALUE_CHARS);
}

/** A gold value as feedback: `billing`, or `one of billing, account` for a list of alternatives. */
export function showGold(gold: unknown, predicted?: unknown): string {
  if (!Array.isArray(gold) || Array.isArray(predicted) || gold.length === 0) return show(gold);
  if (gold.length === 1) return show(gold[0]);
  return clip(`one of ${gold.map(show).join(", ")}`, FEEDBACK_VALUE_CHARS * 2);
}

export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).trimEnd()}…`;
}

/** `exact_match(team)`, or `exact_match(team vs label)` when the gold field has another name. */
export function fieldMetricName(kind: string, field: string, gold: string, extra?: string): string {
  const target = field === gold ? field : `${field} vs ${gold}`;
  return `${kind}(${extra === undefined ? target : `${target}, ${extra}`})`;
}
