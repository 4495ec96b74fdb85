import type { AgentGrounding, ToolUse } from "../types.js";
import { withoutCodes } from "./agent-act.js";
import { inputsText } from "./context.js";
import { cueRules } from "./cues.js";
import { distinctiveWords } from "./distinctive.js";
import type { Noise } from "./noise.js";
import { termsOf } from "./terms.js";

/** How a tip shapes the tool cue lines: words per tool, and the line's form. */
export interface ToolCueForm {
  words: number;
  /** `Call get_product for questions about warranty or material.` instead of `- get_product: warranty, material`. */
  prose: boolean;
}

/**
 * sim as the grounded proposer of an agent step: tool cue lines (the lines its agent reads,
 * agent-act.ts) learned from the tool use a proposal is shown. For each tool, the words that set
 * apart the questions of the runs that passed calling it from those of the runs that passed
 * without it; runs that fell short say nothing certain about which tool they needed, so they are
 * left out. Ids and codes are not words (an order id says nothing about which tool a question
 * needs), nor are the tools' own names, nor words a line already ties to the tool. Returns the
 * lines to add and what each learned.
 */
export function toolCueLines(agent: AgentGrounding, instruction: string, form: ToolCueForm, noise: Noise): { lines: string[]; notes: string[] } {
  const passed = agent.uses.filter((u) => u.passed).map((u) => ({ text: questionText(u), tools: new Set(u.calls.map((c) => c.tool)) }));
  const options = agent.tools.map((t) => ({ option: t.name, names: [t.name] }));
  const rules = cueRules(instruction, options);
  const nameStems = agent.tools.flatMap((t) => termsOf(t.name.replace(/[_-]+/g, " ")));
  const lines: string[] = [];
  const notes: string[] = [];
  for (const { name } of agent.tools) {
    const positives = passed.filter((u) => u.tools.has(name)).map((u) => u.text);
    const negatives = passed.filter((u) => !u.tools.has(name)).map((u) => u.text);
    const exclude = new Set([...nameStems, ...rules.filter((r) => r.option === name).flatMap((r) => r.terms.flatMap((t) => t.stems))]);
    const picked = distinctiveWords(positives, negatives, exclude, form.words, noise);
    if (picked.length === 0) continue;
    lines.push(form.prose ? `Call ${name} for questions about ${listed(picked)}.` : `- ${name}: ${picked.join(", ")}`);
    notes.push(`tool ${name} ← ${picked.join(", ")} (${positives.length} passing run${positives.length === 1 ? "" : "s"})`);
  }
  return { lines, notes };
}

function questionText(use: ToolUse): string {
  return withoutCodes(inputsText(use.inputs, Object.keys(use.inputs)));
}

function listed(words: readonly string[]): string {
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}
