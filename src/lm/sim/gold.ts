import type { FeedbackRecord } from "../types.js";
import { findOptions } from "./cues.js";
import { optionsOfValue, type OptionNames } from "./values.js";

/**
 * The gold option(s) of a closed field for one record: from `expected` when the caller shows it,
 * else from the feedback text (`team: expected billing, got technical`, or plain `expected billing`).
 */
export function goldOptions(record: FeedbackRecord, field: string, names: readonly OptionNames[]): string[] | undefined {
  if (record.expected && Object.hasOwn(record.expected, field)) {
    const value = record.expected[field];
    const options = optionsOfValue(value, names);
    return options.length > 0 || Array.isArray(value) ? options : undefined;
  }
  const fromFeedback = record.feedback ? goldFromFeedback(record.feedback, field, names) : undefined;
  return fromFeedback === undefined ? undefined : [fromFeedback];
}

/** What the program answered for the field, as options; undefined when the record does not say. */
export function producedOptions(record: FeedbackRecord, field: string, names: readonly OptionNames[]): string[] | undefined {
  if (!record.outputs || !Object.hasOwn(record.outputs, field)) return undefined;
  return optionsOfValue(record.outputs[field], names);
}

/** Where what follows "expected" stops being the expected value. */
const VALUE_END = /\b(?:got|but|instead|received|predicted|answered|output)\b|[.;!?](?:\s|$)|\n/i;

export function goldFromFeedback(feedback: string, field: string, names: readonly OptionNames[]): string | undefined {
  const fieldRe = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(field)}(?![\\p{L}\\p{N}_])[^\\n;]*?\\bexpected\\b`, "giu");
  for (const m of feedback.matchAll(fieldRe)) {
    const option = soleOption(feedback.slice(m.index + m[0].length), names);
    if (option !== undefined) return option;
  }
  for (const m of feedback.matchAll(/\bexpected\b/gi)) {
    const option = soleOption(feedback.slice(m.index + m[0].length), names);
    if (option !== undefined) return option;
  }
  return undefined;
}

/** The one option named between "expected" and the end of its value, if exactly one is. */
function soleOption(rest: string, names: readonly OptionNames[]): string | undefined {
  const end = VALUE_END.exec(rest);
  const value = end ? rest.slice(0, end.index) : rest;
  const options = new Set(findOptions(value, names).map((m) => m.option));
  return options.size === 1 ? [...options][0] : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
