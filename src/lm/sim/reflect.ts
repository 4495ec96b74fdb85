import type { FeedbackRecord, LMCallMeta, Purpose } from "../types.js";
import type { Field, Signature } from "../../signature/types.js";
import { normalizeText, valueToText, words } from "../../util/text.js";
import { inputsText } from "./context.js";
import { cueRules, findOptions, matchedTerms } from "./cues.js";
import { distinctiveWords } from "./distinctive.js";
import { goldOptions, producedOptions } from "./gold.js";
import type { Noise } from "./noise.js";
import { learnToolCues } from "./agent-reflect.js";
import { InstructionLines, MAX_NEW_TERMS, MAX_TERMS_PER_LINE } from "./instruction-lines.js";
import { lowerMedian } from "./shape.js";
import { Terms, termsOf } from "./terms.js";
import { isReasoning, optionNames, type OptionNames } from "./values.js";


export interface Proposal {
  instruction: string;
  /** What was learned, in a few words each (for a `reasoning` output). */
  notes: string[];
}

type Verdict = "right" | "wrong" | "unknown";

/**
 * A new instruction for the target step: the current one plus cue lines (`- <option>: w1, w2`)
 * for the labels the program got wrong, and a length line when gold answers are clearly shorter
 * than the produced ones. `reflect` learns from records known to be wrong; `propose_instruction`
 * also from records whose correctness it cannot tell (gold examples shown without outputs).
 * Before adding, it drops the cue words its own lines hold that misled the program on the records
 * shown (see pruneCues): the instruction corrects its rules as well as growing them.
 */
export function proposeInstruction(meta: LMCallMeta, purpose: Purpose, noise: Noise): Proposal {
  const target = meta.target;
  if (!target) return { instruction: fallbackInstruction(meta), notes: [] };
  const useful = (v: Verdict) => v === "wrong" || (purpose === "propose_instruction" && v === "unknown");
  const lines = new InstructionLines(target.instruction);
  const notes: string[] = [];
  for (const field of target.signature.outputs) {
    const names = optionNames(field.type);
    if (names && !isReasoning(field)) {
      pruneCues(field, names, target.records, target.signature, lines, notes);
      learnCues(field, names, target.records, target.signature, useful, lines, notes, noise);
    }
  }
  // An agent's answer is quoted from what its tools found: a word limit is not what it lacks.
  if (!target.records.some((r) => r.trajectory)) learnLength(target.signature, target.records, useful, lines, notes);
  learnToolCues(target.signature, target.records, lines, notes, noise);
  return { instruction: lines.text(), notes };
}

function learnCues(
  field: Field,
  names: OptionNames[],
  records: readonly FeedbackRecord[],
  signature: Signature,
  useful: (v: Verdict) => boolean,
  lines: InstructionLines,
  notes: string[],
  noise: Noise,
): void {
  const inputFields = signature.inputs.map((f) => f.name);
  const labeled = records.flatMap((record) => {
    const gold = goldOptions(record, field.name, names);
    if (!gold) return [];
    const fields = inputFields.length > 0 ? inputFields : Object.keys(record.inputs);
    return [{ gold, text: inputsText(record.inputs, fields), verdict: closedVerdict(record, field.name, names, gold) }];
  });
  const nameStems = names.flatMap((n) => n.names.flatMap(termsOf));
  for (const { option } of names) {
    const positives = labeled.filter((r) => useful(r.verdict) && r.gold.includes(option)).map((r) => r.text);
    if (positives.length === 0) continue;
    const negatives = labeled.filter((r) => !r.gold.includes(option)).map((r) => r.text);
    const rules = cueRules(lines.text(), names);
    const own = rules.filter((r) => r.option === option && r.colon).at(-1);
    // Words already cueing any option of this field are not offered again: no duplicates, no conflicts.
    const exclude = new Set([...nameStems, ...rules.flatMap((r) => r.terms.flatMap((t) => t.stems))]);
    const room = MAX_TERMS_PER_LINE - (own?.terms.length ?? 0);
    const picked = distinctiveWords(positives, negatives, exclude, Math.min(MAX_NEW_TERMS, room), noise);
    if (picked.length === 0) continue;
    if (own) lines.extendCueLine(own.line, picked);
    else lines.append(`- ${option}: ${picked.join(", ")}`);
    notes.push(`${field.name} ${option} ← ${picked.join(", ")}`);
  }
}

/**
 * Drops cue words that misled: a word of an option's cue line (the `option: items` form reflection
 * writes; prose lines are left as written) that occurs in the inputs of records the program
 * answered with that option although their gold label is another, more often than in inputs whose
 * gold label is that option. Only records whose answer and gold label are both shown count, so
 * nothing is dropped on mere suspicion. A line left without words goes.
 */
function pruneCues(
  field: Field,
  names: OptionNames[],
  records: readonly FeedbackRecord[],
  signature: Signature,
  lines: InstructionLines,
  notes: string[],
): void {
  const rules = cueRules(lines.text(), names).filter((r) => r.colon);
  if (rules.length === 0) return;
  const inputFields = signature.inputs.map((f) => f.name);
  const misled = new Map<string, number>();
  const support = new Map<string, number>();
  const key = (option: string, stems: readonly string[]) => `${option}\u0000${stems.join(" ")}`;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const record of records) {
    const gold = goldOptions(record, field.name, names);
    const produced = producedOptions(record, field.name, names);
    if (!gold || !produced) continue;
    const fields = inputFields.length > 0 ? inputFields : Object.keys(record.inputs);
    const input = Terms.of(inputsText(record.inputs, fields));
    for (const rule of rules) {
      const wrongly = produced.includes(rule.option) && !gold.includes(rule.option);
      const rightly = gold.includes(rule.option);
      if (!wrongly && !rightly) continue;
      for (const term of matchedTerms(rule, input)) bump(wrongly ? misled : support, key(rule.option, term.stems));
    }
  }
  // Edit the lines from the last one up, so earlier indices stay valid.
  for (const rule of [...rules].sort((a, b) => b.line - a.line)) {
    const drop = rule.terms.filter((t) => (misled.get(key(rule.option, t.stems)) ?? 0) > (support.get(key(rule.option, t.stems)) ?? 0));
    if (drop.length === 0) continue;
    lines.pruneCueLine(rule.line, names, new Set(drop.map((t) => t.stems.join(" "))));
    notes.push(`${field.name} ${rule.option} ✗ ${drop.map((t) => t.text).join(", ")}`);
  }
}

function closedVerdict(record: FeedbackRecord, field: string, names: OptionNames[], gold: string[]): Verdict {
  const produced = producedOptions(record, field, names);
  if (produced) return sameSet(produced, gold) ? "right" : "wrong";
  if (record.score !== undefined) return record.score >= 1 ? "right" : "wrong";
  return "unknown";
}

/** Gold answers "clearly shorter" than produced: at least 2 words and a third shorter (medians). */
function learnLength(
  signature: Signature,
  records: readonly FeedbackRecord[],
  useful: (v: Verdict) => boolean,
  lines: InstructionLines,
  notes: string[],
): void {
  for (const field of signature.outputs) {
    if (field.type.kind !== "string" || isReasoning(field)) continue;
    const pairs = records.flatMap((r) => {
      const produced = r.outputs?.[field.name];
      const expected = r.expected?.[field.name];
      if (produced === undefined || produced === null || expected === undefined || expected === null) return [];
      const p = valueToText(produced);
      const e = valueToText(expected);
      const verdict: Verdict = normalizeText(p) === normalizeText(e) ? "right" : "wrong";
      return useful(verdict) ? [{ produced: words(p).length, expected: words(e).length }] : [];
    });
    if (pairs.length === 0) continue;
    const expected = lowerMedian(pairs.map((p) => p.expected));
    const produced = lowerMedian(pairs.map((p) => p.produced));
    if (expected < 1 || produced < expected + 2 || expected > produced * (2 / 3)) continue;
    if (lines.setLengthLine(expected)) notes.push(`answers of at most ${expected} words`);
    return;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Without a target there is nothing to learn from: hand back the instruction the inputs carry. */
function fallbackInstruction(meta: LMCallMeta): string {
  for (const key of ["instruction", "current_instruction"]) {
    const v = meta.inputs[key];
    if (typeof v === "string") return v;
  }
  return "";
}
