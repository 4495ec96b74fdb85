import { canonicalJson } from "../util/canonical.js";
import type { Metric } from "./types.js";
import { clip, fieldMetricName, goldValue, predictedValue, show } from "./field.js";

/** Text that holds JSON (optionally in a ``` fence) as the value it holds; anything else as is. */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  let text = value.trim();
  const fence = /^```[\w-]*\s*\n?([\s\S]*?)\n?```$/.exec(text);
  if (fence) text = fence[1]!.trim();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

/** Where two JSON values first differ, e.g. `.items[1].name`, and what each side holds there. */
export interface JsonDifference {
  path: string;
  expected: unknown;
  actual: unknown;
}

/** The first difference between two JSON values (object keys in sorted order); none when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = ""): JsonDifference | undefined {
  if (canonicalJson(expected) === canonicalJson(actual)) return undefined;
  const here = { path: path === "" ? "(top level)" : path, expected, actual };
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return here;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return here;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const key of keys) {
      const d = firstDifference(expected[key], actual[key], `${path}.${key}`);
      if (d) return d;
    }
  }
  return here;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function showJson(value: unknown): string {
  if (value === undefined) return "nothing";
  return clip(JSON.stringify(value) ?? String(value), 80);
}

export function jsonEqual(field: string, gold: string): Metric {
  return {
    name: fieldMetricName("json_equal", field, gold),
    labels: [gold],
    async score(example, prediction) {
      const expected = parseJsonText(goldValue(example, gold));
      const predicted = predictedValue(prediction, field);
      const d = firstDifference(expected, parseJsonText(predicted));
      if (d === undefined) return { score: 1, feedback: `${field}: equal to the expected JSON` };
      if (predicted === undefined) return { score: 0, feedback: `${field}: expected ${showJson(expected)}, got nothing` };
      if (d.path === "(top level)") {
        return { score: 0, feedback: `${field}: expected ${showJson(d.expected)}, got ${show(predicted)}` };
      }
      return {
        score: 0,
        feedback: `${field}: differs at ${d.path}: expected ${showJson(d.expected)}, got ${showJson(d.actual)}`,
      };
    },
  };
}
