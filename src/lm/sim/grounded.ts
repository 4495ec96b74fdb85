import type { FeedbackRecord, LMCallMeta } from "../types.js";
import type { Signature } from "../../signature/types.js";
import { valueToText, words } from "../../util/text.js";
import { inputsText } from "./context.js";
import { cueRules } from "./cues.js";
import { distinctiveWords } from "./distinctive.js";
import { goldOptions } from "./gold.js";
import { toolCueLines } from "./grounded-tools.js";
import type { Noise } from "./noise.js";
import { proposeInstruction, type Proposal } from "./reflect.js";
import { lengthLine, lowerMedian } from "./shape.js";
import { termsOf } from "./terms.js";
import { defaultValue, isReasoning, optionNames } from "./values.js";

/**
 * sim as mipro's grounded proposer. It writes the two summaries a grounded proposal is shown and
 * answers the proposals themselves:
 * - program summary: the program's description and what each step reads and writes;
 * - dataset summary: for each closed output, how often each value occurs in the examples shown and
 *   the words that tell its inputs apart (`- team = billing: invoice, refund, …`); for each free-text
 *   output, the typical answer length;
 * - grounded proposal: what an ungrounded proposal learns from the demos shown, plus cue lines taken
 *   from the dataset summary and, for an agent step, tool cue lines learned from the tool use shown
 *   (grounded-tools.ts), in the form the tip asks for (see TIP_FORMS): a tip changes how many words
 *   each cue line gets, in which form, and what is said around them.
 */

/** How a tip shapes the instruction: summary words per value, cue-line form, what comes first, and whether the demos' own cues stay. */
interface TipForm {
  /** Words per cue line: dataset-summary words per value, and, for an agent step, words per tool. */
  words: number;
  prose: boolean;
  lead?: (program: string, current: string) => string;
  keepDemoCues: boolean;
  /** Whether the typical answer length of free-text outputs becomes a length line. */
  length: boolean;
}

const firstLine = (text: string) => text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";

export const TIP_FORMS: Readonly<Record<string, TipForm>> = {
  none: { words: 6, prose: false, keepDemoCues: true, length: false },
  simple: { words: 3, prose: false, keepDemoCues: false, length: true },
  description: { words: 10, prose: false, lead: (program) => firstSentence(program), keepDemoCues: true, length: true },
  creative: { words: 8, prose: true, keepDemoCues: true, length: false },
  high_stakes: { words: 15, prose: false, lead: () => "This task is high stakes: read every input closely and decide carefully.", keepDemoCues: true, length: true },
  persona: { words: 8, prose: false, lead: () => "You are a seasoned specialist who has handled thousands of these cases.", keepDemoCues: true, length: false },
};

/** The outputs of a summary or grounded-proposal request, or undefined for any other request. */
export function groundedAnswer(meta: LMCallMeta, noise: Noise): Record<string, unknown> | undefined {
  if (meta.purpose === "summarize_program") return textOutputs(meta.signature, summarizeProgram(meta), "");
  if (meta.purpose === "summarize_dataset") return textOutputs(meta.signature, summarizeDataset(meta, noise), "");
  if (meta.purpose === "propose_instruction" && meta.target?.grounding) {
    const p = groundedProposal(meta, noise);
    return textOutputs(meta.signature, p.instruction, p.notes.length > 0 ? `Learned cues — ${p.notes.join("; ")}.` : "Nothing new to learn.");
  }
  return undefined;
}

/** The first string output (not reasoning) carries the text; reasoning the notes; the rest defaults. */
function textOutputs(signature: Signature, text: string, notes: string): Record<string, unknown> {
  const main = signature.outputs.find((f) => f.type.kind === "string" && !isReasoning(f));
  return Object.fromEntries(signature.outputs.map((f) => [f.name, f === main ? text : isReasoning(f) ? notes : defaultValue(f.type)]));
}

function firstSentence(text: string): string {
  const line = firstLine(text);
  const end = line.search(/[.!?](\s|$)/);
  return end < 0 ? line : line.slice(0, end + 1);
}

/** "<description> It runs 1 step: route (chain_of_thought) reads message and writes reasoning, team, urgency." */
export function summarizeProgram(meta: LMCallMeta): string {
  const text = valueToText(meta.inputs.program ?? "");
  const lines = text.split("\n");
  const description = lines.find((l) => l.startsWith("Description:"))?.slice("Description:".length).trim() ?? "";
  const steps = lines.flatMap((l) => {
    const m = /^- (\S+) \(([^)]+)\): (.*?) -> (.*?)(?: — .*)?$/.exec(l);
    return m ? [`${m[1]} (${m[2]}) reads ${m[3]!.replace(/:[^,]*/g, "")} and writes ${m[4]!.replace(/:\s*\w+(\([^)]*\))?/g, "")}`] : [];
  });
  const lead = description || `The program ${lines.find((l) => l.startsWith("Name:"))?.slice(5).trim() ?? ""}.`;
  return `${lead} It runs ${steps.length} step${steps.length === 1 ? "" : "s"}: ${steps.join("; ")}.`;
}

/** Distinctive words listed per value in the dataset summary. */
const SUMMARY_WORDS = 15;

/** The summary's lines; see the module comment. */
export function summarizeDataset(meta: LMCallMeta, noise: Noise): string {
  const target = meta.target;
  const records = target?.records ?? [];
  const signature = target?.signature ?? meta.signature;
  const inputFields = signature.inputs.map((f) => f.name);
  const text = (r: FeedbackRecord) => inputsText(r.inputs, inputFields.length > 0 ? inputFields : Object.keys(r.inputs));
  const lines = [`${records.length} examples; inputs: ${inputFields.join(", ") || "(none)"}; outputs: ${signature.outputs.map((f) => f.name).join(", ")}.`];
  for (const field of signature.outputs) {
    const names = optionNames(field.type);
    if (!names) {
      const lengths = records.flatMap((r) => (r.expected?.[field.name] === undefined ? [] : [words(valueToText(r.expected[field.name])).length]));
      if (field.type.kind === "string" && lengths.length > 0) lines.push(`- ${field.name}: about ${lowerMedian(lengths)} words`);
      continue;
    }
    const labeled = records.flatMap((r) => {
      const gold = goldOptions(r, field.name, names);
      return gold ? [{ gold, text: text(r) }] : [];
    });
    const counts = names.map((n) => `${n.option} ${labeled.filter((r) => r.gold.includes(n.option)).length}`);
    lines.push(`${field.name}: ${counts.join(", ")}.`);
    const exclude = new Set(names.flatMap((n) => n.names.flatMap(termsOf)));
    for (const { option } of names) {
      const positives = labeled.filter((r) => r.gold.includes(option)).map((r) => r.text);
      const negatives = labeled.filter((r) => !r.gold.includes(option)).map((r) => r.text);
      const picked = distinctiveWords(positives, negatives, exclude, SUMMARY_WORDS, noise);
      if (picked.length > 0) lines.push(`- ${field.name} = ${option}: ${picked.join(", ")}`);
    }
  }
  return lines.join("\n");
}

/** What a dataset summary says, read back: words per (field, value), and typical lengths per field. */
export function readDatasetSummary(summary: string): { cues: { field: string; option: string; words: string[] }[]; lengths: Map<string, number> } {
  const cues: { field: string; option: string; words: string[] }[] = [];
  const lengths = new Map<string, number>();
  for (const line of summary.split("\n")) {
    const cue = /^- (\S+) = (.+?): (.+)$/.exec(line.trim());
    if (cue) {
      cues.push({ field: cue[1]!, option: cue[2]!, words: cue[3]!.split(",").map((w) => w.trim()).filter(Boolean) });
      continue;
    }
    const length = /^- (\S+): about (\d+) words$/.exec(line.trim());
    if (length) lengths.set(length[1]!, Number(length[2]));
  }
  return { cues, lengths };
}

/** A grounded proposal; see the module comment. */
export function groundedProposal(meta: LMCallMeta, noise: Noise): Proposal {
  const target = meta.target!;
  const grounding = target.grounding!;
  const form = TIP_FORMS[grounding.tip] ?? TIP_FORMS.none!;
  const learned = proposeInstruction(meta, "propose_instruction", noise);
  const body = form.keepDemoCues ? learned.instruction : firstLine(target.instruction);
  const notes = form.keepDemoCues ? [...learned.notes] : [];
  const lines = [...(form.lead ? [form.lead(grounding.program, target.instruction)] : []), ...body.split("\n")];
  while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
  const { cues, lengths } = readDatasetSummary(grounding.dataset);
  for (const field of target.signature.outputs) {
    const names = optionNames(field.type);
    if (!names || isReasoning(field)) continue;
    for (const { option } of names) {
      const cue = cues.find((c) => c.field === field.name && c.option === option);
      if (!cue) continue;
      // Words some line already ties to a value of this field are not offered again.
      const taken = new Set(cueRules(lines.join("\n"), names).flatMap((r) => r.terms.map((t) => t.stems.join(" "))));
      const fresh = cue.words.filter((w) => !taken.has(termsOf(w).join(" "))).slice(0, form.words);
      if (fresh.length === 0) continue;
      lines.push(form.prose ? `Think of ${option} when the input mentions ${fresh.slice(0, -1).join(", ")}${fresh.length > 1 ? " or " : ""}${fresh.at(-1)}.` : `- ${option}: ${fresh.join(", ")}`);
      notes.push(`${field.name} ${option} ← ${fresh.join(", ")} (dataset summary)`);
    }
  }
  if (grounding.agent) {
    const tools = toolCueLines(grounding.agent, lines.join("\n"), { words: form.words, prose: form.prose }, noise);
    lines.push(...tools.lines);
    notes.push(...tools.notes);
  }
  for (const field of target.signature.outputs) {
    const limit = lengths.get(field.name);
    if (!form.length || field.type.kind !== "string" || isReasoning(field) || limit === undefined || lines.some((l) => l === lengthLine(limit))) continue;
    lines.push(lengthLine(limit));
    notes.push(`answers of at most ${limit} words (dataset summary)`);
  }
  return { instruction: lines.join("\n"), notes };
}
