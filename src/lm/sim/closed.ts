import type { Field } from "../../signature/types.js";
import { isStopword, words } from "../../util/text.js";
import type { PredictContext } from "./context.js";
import { cueRules, findOptions, matchedTerms } from "./cues.js";
import { Terms } from "./terms.js";
import { closedValue, optionNames, optionsOfValue } from "./values.js";

/*
 * Vote weights. A demo votes DEMO × its cosine similarity (0..1); a cue term found in the input
 * votes CUE; an option named in the input votes NAME. Typical related texts have cosine 0.3–0.8, so
 * one good demo (≥ 0.34 → ≥ 1.0) outweighs a mere mention of another option's name (0.75), and so
 * does one matching cue term (1.0). Two matched cue terms (2.0) beat a fairly similar demo (say
 * 0.6 → 1.8) but not a near-copy (≥ 0.67 → ≥ 2.0): the instruction and the demos can each flip an
 * answer, and whichever carries more evidence wins. A list answer keeps every option whose votes
 * reach LIST_THRESHOLD: a name, a cue term, or a demo with similarity ≥ 0.25.
 */
export const WEIGHTS = { demo: 3, cue: 1, name: 0.75 } as const;
export const NEAREST_DEMOS = 3;
export const LIST_THRESHOLD = 0.75;
const EPSILON = 1e-9;

/** Why an option got its votes: what the reasoning output reports. */
export interface ClosedEvidence {
  demos: { index: number; similarity: number; options: string[] }[];
  cues: { option: string; terms: string[] }[];
  named: string[];
}

export interface ClosedAnswer {
  value: unknown;
  chosen: string[];
  votes: Map<string, number>;
  evidence: ClosedEvidence;
}

export function answerClosed(field: Field, ctx: PredictContext): ClosedAnswer {
  const names = optionNames(field.type);
  if (!names) throw new Error(`sim: ${field.name} is not a closed field`);
  const options = names.map((n) => n.option);
  const votes = new Map(options.map((o) => [o, 0]));
  const add = (option: string, w: number) => votes.set(option, (votes.get(option) ?? 0) + w);
  const evidence: ClosedEvidence = { demos: [], cues: [], named: [] };

  const nearest = ctx.meta.demos
    .map((demo, index) => ({ index, weight: ctx.demoWeight[index] ?? 0, options: optionsOfValue(demo[field.name], names) }))
    .filter((d) => d.weight > 0 && d.options.length > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .slice(0, NEAREST_DEMOS);
  for (const d of nearest) {
    for (const o of d.options) add(o, WEIGHTS.demo * d.weight);
    evidence.demos.push({ index: d.index, similarity: ctx.demoSimilarity[d.index] ?? 0, options: d.options });
  }

  // A term counts once per option, however many lines repeat it.
  const cueTerms = new Map<string, Map<string, string>>();
  for (const rule of cueRules(ctx.meta.instruction, names)) {
    const seen = cueTerms.get(rule.option) ?? new Map<string, string>();
    for (const term of matchedTerms(rule, ctx.input)) seen.set(term.stems.join(" "), term.text);
    cueTerms.set(rule.option, seen);
  }
  for (const [option, terms] of cueTerms) {
    if (terms.size === 0) continue;
    add(option, WEIGHTS.cue * terms.size);
    evidence.cues.push({ option, terms: [...terms.values()] });
  }

  // Named as written ("x", "v2") or by stem ("bill" names billing). Options made of stopwords only
  // ("other") are everyday words, not mentions.
  const nameable = options.filter((o) => words(o).some((w) => !isStopword(w)));
  const written = new Set(findOptions(ctx.inputText, nameable.map((o) => ({ option: o, names: [o] }))).map((m) => m.option));
  for (const option of options) {
    if (written.has(option) || ctx.input.has(Terms.of(option).list)) {
      add(option, WEIGHTS.name);
      evidence.named.push(option);
    }
  }

  const chosen = field.type.kind === "list" ? options.filter((o) => (votes.get(o) ?? 0) >= LIST_THRESHOLD - EPSILON) : [pickOne(options, votes, ctx)];
  return { value: closedValue(field.type, chosen), chosen, votes, evidence };
}

/**
 * The option with the most votes; ties go to the earlier option (to a seeded pick when sampling).
 * No evidence at all always means the first option.
 */
function pickOne(options: string[], votes: Map<string, number>, ctx: PredictContext): string {
  const best = Math.max(...options.map((o) => votes.get(o) ?? 0));
  if (best <= 0) return options[0]!;
  const tied = options.filter((o) => (votes.get(o) ?? 0) >= best - EPSILON);
  return tied[ctx.noise.breakTie(tied.length)]!;
}
