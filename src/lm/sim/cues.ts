import type { OptionNames } from "./values.js";
import { contentWords } from "../../util/text.js";
import { stem, Terms, termsOf } from "./terms.js";

/**
 * Cue rules are read from the instruction, one per line. A line that names exactly one option of a
 * field ties that option to its other words:
 *   `- billing: invoice, refund, charged twice`  (colon form: the listed items, phrases kept whole)
 *   `Messages about outages are high urgency.`     (prose form: every other content word)
 */
export interface CueTerm {
  /** As written in the instruction. */
  text: string;
  /** Stemmed content words; several must occur consecutively. */
  stems: string[];
}

export interface CueRule {
  option: string;
  /** Index of the line in the instruction (split on "\n"). */
  line: number;
  /** Whether the line has the `option: items` form (the form reflection writes and extends). */
  colon: boolean;
  terms: CueTerm[];
}

export interface OptionMention {
  option: string;
  start: number;
  end: number;
}

/** Options named in a text as whole words or phrases, case-insensitive; longer names win overlaps. */
export function findOptions(text: string, names: readonly OptionNames[]): OptionMention[] {
  const lower = text.toLowerCase();
  const candidates = names
    .flatMap((n) => n.names.map((name) => ({ option: n.option, name: name.toLowerCase() })))
    .filter((c) => c.name.trim() !== "")
    .sort((a, b) => b.name.length - a.name.length);
  const found: OptionMention[] = [];
  for (const c of candidates) {
    const re = nameRegex(c.name);
    for (const m of lower.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (found.some((f) => start < f.end && f.start < end)) continue;
      found.push({ option: c.option, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

export function cueRules(instruction: string, names: readonly OptionNames[]): CueRule[] {
  const rules: CueRule[] = [];
  instruction.split("\n").forEach((line, index) => {
    const mentions = findOptions(line, names);
    const options = new Set(mentions.map((m) => m.option));
    if (options.size !== 1) return;
    const option = mentions[0]!.option;
    const afterFirst = line.slice(mentions[0]!.end);
    const colon = /^[\s*_"'`)\]]*:/.exec(afterFirst);
    if (colon) {
      const items = afterFirst.slice(colon[0].length).split(/[,;]/);
      rules.push({ option, line: index, colon: true, terms: dedupe(items.map(toTerm)) });
      return;
    }
    let rest = line;
    for (const m of [...mentions].reverse()) rest = `${rest.slice(0, m.start)} ${rest.slice(m.end)}`;
    const nameStems = new Set(names.flatMap((n) => n.names.flatMap(termsOf)));
    const terms = contentWords(rest)
      .map((w) => ({ text: w, stems: [stem(w)] }))
      .filter((t) => !nameStems.has(t.stems[0]!));
    rules.push({ option, line: index, colon: false, terms: dedupe(terms) });
  });
  return rules;
}

function toTerm(item: string): CueTerm {
  const text = item.trim().replace(/^["'`]|["'`.]+$/g, "").trim();
  return { text, stems: termsOf(text) };
}

function dedupe(terms: CueTerm[]): CueTerm[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const key = t.stems.join(" ");
    if (key === "" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The terms of a rule that occur in the given text. */
export function matchedTerms(rule: CueRule, input: Terms): CueTerm[] {
  return rule.terms.filter((t) => input.has(t.stems));
}

/** Compiled once per name: option and tool names recur in every call of a step. */
const nameRegexes = new Map<string, RegExp>();
const MAX_CACHED_NAMES = 4096;

function nameRegex(name: string): RegExp {
  let re = nameRegexes.get(name);
  if (!re) {
    if (nameRegexes.size >= MAX_CACHED_NAMES) nameRegexes.clear();
    re = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(name).replace(/\s+/g, "\\s+")}(?![\\p{L}\\p{N}_])`, "gu");
    nameRegexes.set(name, re);
  }
  return re;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
