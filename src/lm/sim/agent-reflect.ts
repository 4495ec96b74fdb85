import type { FeedbackRecord } from "../types.js";
import { FINISH_TOOL } from "../tool-types.js";
import type { Signature } from "../../signature/types.js";
import { withoutCodes } from "./agent-act.js";
import { inputsText } from "./context.js";
import { cueRules, matchedTerms } from "./cues.js";
import { distinctiveWords } from "./distinctive.js";
import { InstructionLines, MAX_NEW_TERMS, MAX_TERMS_PER_LINE } from "./instruction-lines.js";
import type { Noise } from "./noise.js";
import { Terms, termsOf } from "./terms.js";
import type { OptionNames } from "./values.js";

/**
 * Reflection on an agent step (records with a trajectory): tool cue lines (`- get_product:
 * warranty, material`) that the agent then obeys (agent-act.ts). For each tool, the words that set
 * apart the questions on which the agent should have called it and did not — the records the
 * metric's feedback names the tool for (`tools: expected lookup_order, get_product; called
 * lookup_order`) and that fell short — from the other questions. When no feedback says which tools
 * were expected, the questions it answered fully with the tool teach the tool's words instead. Cue
 * words of a tool that the agent followed on records where that tool was not expected, more often
 * than on records where it was, are dropped first. Tool descriptions are never touched.
 */
export function learnToolCues(signature: Signature, records: readonly FeedbackRecord[], lines: InstructionLines, notes: string[], noise: Noise): void {
  const agentRecords = records.filter((r) => Array.isArray(r.trajectory));
  if (agentRecords.length === 0) return;
  const fields = signature.inputs.map((f) => f.name).filter((n) => n !== "trajectory");
  const seen = agentRecords.map((r) => {
    const called = new Set((r.trajectory ?? []).filter((s) => s.tool !== FINISH_TOOL && s.error === undefined).map((s) => s.tool));
    const expected = r.feedback === undefined ? undefined : expectedTools(r.feedback);
    const text = inputsText(r.inputs, fields.length > 0 ? fields : Object.keys(r.inputs).filter((n) => n !== "trajectory"));
    return { called, expected, text: withoutCodes(text), right: (r.score ?? 0) >= 1 };
  });
  const names: string[] = [];
  for (const r of seen) for (const t of [...r.called, ...(r.expected ?? [])]) if (!names.includes(t)) names.push(t);
  const options: OptionNames[] = names.map((n) => ({ option: n, names: [n] }));
  const told = seen.some((r) => r.expected !== undefined);

  pruneToolCues(seen, options, lines, notes);
  for (const tool of names) {
    const positives = (told ? seen.filter((r) => !r.right && r.expected?.includes(tool) && !r.called.has(tool)) : seen.filter((r) => r.right && r.called.has(tool))).map((r) => r.text);
    if (positives.length === 0) continue;
    const negatives = seen.filter((r) => !(r.expected ?? [...r.called]).includes(tool)).map((r) => r.text);
    const rules = cueRules(lines.text(), options);
    const own = rules.filter((r) => r.option === tool && r.colon).at(-1);
    const exclude = new Set([...names.flatMap((n) => termsOf(n.replace(/[_-]+/g, " "))), ...rules.filter((r) => r.option === tool).flatMap((r) => r.terms.flatMap((t) => t.stems))]);
    const room = MAX_TERMS_PER_LINE - (own?.terms.length ?? 0);
    const picked = distinctiveWords(positives, negatives, exclude, Math.min(MAX_NEW_TERMS, room), noise);
    if (picked.length === 0) continue;
    if (own) lines.extendCueLine(own.line, picked);
    else lines.append(`- ${tool}: ${picked.join(", ")}`);
    notes.push(`tool ${tool} ← ${picked.join(", ")}`);
  }
}

interface Seen {
  called: Set<string>;
  expected: string[] | undefined;
  text: string;
  right: boolean;
}

function pruneToolCues(seen: readonly Seen[], options: OptionNames[], lines: InstructionLines, notes: string[]): void {
  const rules = cueRules(lines.text(), options).filter((r) => r.colon);
  if (rules.length === 0) return;
  const misled = new Map<string, number>();
  const support = new Map<string, number>();
  const key = (tool: string, stems: readonly string[]) => `${tool}\u0000${stems.join(" ")}`;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of seen) {
    if (!r.expected) continue;
    const input = Terms.of(r.text);
    for (const rule of rules) {
      const wrongly = !r.right && r.called.has(rule.option) && !r.expected.includes(rule.option);
      const rightly = r.expected.includes(rule.option);
      if (!wrongly && !rightly) continue;
      for (const term of matchedTerms(rule, input)) bump(wrongly ? misled : support, key(rule.option, term.stems));
    }
  }
  for (const rule of [...rules].sort((a, b) => b.line - a.line)) {
    const drop = rule.terms.filter((t) => (misled.get(key(rule.option, t.stems)) ?? 0) > (support.get(key(rule.option, t.stems)) ?? 0));
    if (drop.length === 0) continue;
    lines.pruneCueLine(rule.line, options, new Set(drop.map((t) => t.stems.join(" "))));
    notes.push(`tool ${rule.option} ✗ ${drop.map((t) => t.text).join(", ")}`);
  }
}

/**
 * The tools a record's feedback says the step should have called: `tools: expected a, b; called c`
 * (or `expected tools: a → b`). `none` is an empty list; undefined when the feedback does not say.
 */
export function expectedTools(feedback: string): string[] | undefined {
  const m = /\btools?\b\s*:?\s*expected\s*:?\s*([^;\n]*)|\bexpected tools?\s*:?\s*([^;\n]*)/i.exec(feedback);
  if (!m) return undefined;
  const value = (m[1] ?? m[2] ?? "").split(/\b(?:called|got|but|instead)\b/i)[0]!;
  const names = value
    .split(/[\s,→>]+/)
    .map((t) => t.replace(/[.()"'`]+$|^[.()"'`]+/g, ""))
    .filter((t) => /^[A-Za-z][\w.-]*$/.test(t) && !/^(?:none|and|then|no|nothing)$/i.test(t));
  return [...new Set(names)];
}
