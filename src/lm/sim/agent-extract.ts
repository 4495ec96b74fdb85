import type { LMCallMeta } from "../types.js";
import type { AgentMeta } from "../tool-types.js";
import type { Field } from "../../signature/types.js";
import { sentences } from "../../util/text.js";
import { answeredSteps, observationLines } from "./agent-observe.js";
import { predictContext } from "./context.js";
import { findOptions } from "./cues.js";
import { nearDemo } from "./freetext.js";
import type { Noise } from "./noise.js";
import { predict } from "./predict.js";
import { idfTable } from "./similarity.js";
import { termsOf } from "./terms.js";
import { isReasoning, numbersIn } from "./values.js";

/**
 * The final answer of an agent step, read from what it found: every line of every observation
 * (the latest first) and the instruction's own sentences (what the shop's prompt says, for a
 * question no tool was needed for) compete; the line covering most of the question's idf-weighted
 * words wins, ties going to the later observation. A near-identical demo's answer is copied, as in
 * plain predict calls.
 */
export interface ExtractInput {
  meta: LMCallMeta & { agent: AgentMeta };
  inputFields: readonly string[];
  question: string;
  noise: Noise;
}

interface Evidence {
  text: string;
  /** Which observation (1-based step) it came from; 0 for the instruction. */
  step: number;
  score: number;
}

export function extractAnswer(input: ExtractInput): Record<string, unknown> {
  const { meta, noise } = input;
  const best = bestEvidence(input);
  const ctx = predictContext({ ...meta, signature: { inputs: input.inputFields.map((name) => ({ name, type: { kind: "string" }, typed: false })), outputs: [] } }, noise);
  const out: Record<string, unknown> = {};
  for (const field of meta.signature.outputs) {
    if (isReasoning(field)) continue;
    out[field.name] = valueFor(field);
  }
  const said = best ? `${best.step > 0 ? `observation ${best.step}` : "the instruction"} says ${JSON.stringify(best.text)}` : "nothing I found answers it";
  for (const field of meta.signature.outputs) if (isReasoning(field)) out[field.name] = `Evidence — ${said}.`;
  return out;

  function valueFor(field: Field): unknown {
    const near = nearDemo(field.name, ctx);
    if (near) return near.value;
    const text = best?.text ?? "";
    switch (field.type.kind) {
      case "string":
        return text;
      case "number":
      case "integer": {
        const n = numbersIn(text).at(-1) ?? 0;
        return field.type.kind === "integer" ? Math.round(n) : n;
      }
      default: {
        // Closed and structured outputs: sim's plain reading of the question with the evidence beside it.
        const signature = {
          inputs: [...input.inputFields, "evidence"].map((name) => ({ name, type: { kind: "string" as const }, typed: false })),
          outputs: [field],
        };
        const inputs = { ...meta.inputs, evidence: text };
        return predict({ ...meta, signature, inputs, demos: [] }, noise)[field.name];
      }
    }
  }
}

/** A line that only repeats the question (`order id: A1042` for "where is order A1042?") answers nothing: its weight is cut to this share. */
export const ECHO_DISCOUNT = 0.25;

/** Whether a line's value (what follows its last `key:`, or all of it) holds nothing the question lacks. */
function echoes(line: string, query: ReadonlySet<string>): boolean {
  const colon = line.lastIndexOf(": ");
  const value = termsOf(colon >= 0 ? line.slice(colon + 2) : line);
  return value.length > 0 && value.every((t) => query.has(t));
}

function bestEvidence(input: ExtractInput): Evidence | undefined {
  const { meta, noise } = input;
  const candidates: Omit<Evidence, "score">[] = [];
  const steps = answeredSteps(meta.agent.trajectory);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = meta.agent.trajectory.indexOf(steps[i]!) + 1;
    for (const text of observationLines(steps[i]!.observation)) candidates.push({ text, step });
  }
  const toolNames = meta.agent.tools.map((t) => ({ option: t.name, names: [t.name] }));
  for (const line of meta.instruction.split("\n")) {
    if (findOptions(line, toolNames).length > 0) continue;
    for (const text of sentences(line)) candidates.push({ text, step: 0 });
  }
  if (candidates.length === 0) return undefined;
  const terms = candidates.map((c) => termsOf(c.text));
  const idf = idfTable(terms);
  const query = new Set(termsOf(input.question));
  let total = 0;
  for (const t of query) total += idf(t);
  let best: Evidence | undefined;
  candidates.forEach((c, i) => {
    let covered = 0;
    for (const t of new Set(terms[i])) if (query.has(t)) covered += idf(t);
    const coverage = total > 0 ? covered / total : 0;
    const score = noise.scale(echoes(c.text, query) ? coverage * ECHO_DISCOUNT : coverage);
    if (score > 0 && (!best || score > best.score)) best = { ...c, score };
  });
  if (best) return best;
  // Nothing matches the question: the latest observation's first line, if there is one.
  const first = candidates.find((c) => c.step > 0);
  return first && { ...first, score: 0 };
}
