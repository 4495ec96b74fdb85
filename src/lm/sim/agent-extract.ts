import type { LMCallMeta } from "../types.js";
import type { AgentMeta } from "../tool-types.js";
import type { Field } from "../../signature/types.js";
import { sentences } from "../../util/text.js";
import { NEAREST_DEMOS, questionSimilarities } from "./agent-act.js";
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
  /** Its place among the answered steps (0-based), for recency. */
  order: number;
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

/** The instruction's sentences weigh this much once a tool has answered: what the tools found comes first. */
export const PROMPT_WHEN_OBSERVED = 0.25;

/** Each observation further back weighs this much less: a chain of calls ends at the tool that answers. */
export const RECENCY = 0.6;

/**
 * Question words that the answers of two different tools share (the kettle in the order and in
 * the product record) link the steps of a chain: they name what is asked about, not what is asked,
 * so they count this much.
 */
export const ENTITY_WEIGHT = 0.25;

function entityTerms(steps: readonly { tool: string; observation: string }[], query: ReadonlySet<string>): Set<string> {
  const tools = new Map<string, Set<string>>();
  for (const s of steps) {
    for (const t of new Set(termsOf(s.observation))) {
      if (!query.has(t)) continue;
      const seen = tools.get(t) ?? new Set<string>();
      seen.add(s.tool);
      tools.set(t, seen);
    }
  }
  return new Set([...tools].filter(([, by]) => by.size >= 2).map(([t]) => t));
}

/**
 * A tool's "key: value" line answers a question that names its key ("what is the weight …" →
 * `weight grams: 520`); words found only in its value mostly name the thing asked about (`name:
 * Drift Sleeping Pad`), so they count this much.
 */
export const VALUE_WEIGHT = 0.5;

/** A line whose value is only an id the question gave (`order id: A1042`) answers nothing: its weight is cut to this share. */
export const ECHO_DISCOUNT = 0.25;

/** The key of a "key: value" line (a few words before the first colon), or undefined for prose. */
function keyOf(line: string): { key: string; value: string } | undefined {
  const m = /^([\p{L}\p{N} ]{1,40}):\s(.*)$/u.exec(line);
  if (!m || m[1]!.trim().split(/\s+/).length > 4) return undefined;
  return { key: m[1]!, value: m[2]! };
}

/** Whether a line's value is an id or address the question already holds. */
function echoes(line: string, query: ReadonlySet<string>): boolean {
  const colon = line.lastIndexOf(": ");
  const raw = colon >= 0 ? line.slice(colon + 2) : line;
  const value = termsOf(raw);
  return /[\d@]/.test(raw) && value.length > 0 && value.every((t) => query.has(t));
}

/**
 * Demos teach the form of an answer: a line with the key the answers of the most similar demos
 * quote (`warranty months: 120` for a warranty question) gains this much times their similarity.
 */
export const FORM_WEIGHT = 0.15;

/** Answer keys of the nearest demos (their `key: value` answers), with the best similarity each. */
function demoForms(input: ExtractInput): Map<string, number> {
  const { meta } = input;
  const field = meta.signature.outputs.find((f) => f.type.kind === "string" && !isReasoning(f));
  const forms = new Map<string, number>();
  if (!field) return forms;
  const sims = questionSimilarities(input.question, meta.demos, input.inputFields);
  sims
    .map((sim, index) => ({ sim, index }))
    .filter((d) => d.sim > 0)
    .sort((a, b) => b.sim - a.sim || a.index - b.index)
    .slice(0, NEAREST_DEMOS)
    .forEach(({ sim, index }) => {
      const answer = meta.demos[index]![field.name];
      const kv = typeof answer === "string" ? keyOf(answer) : undefined;
      if (!kv) return;
      const key = normalKey(kv.key);
      forms.set(key, Math.max(forms.get(key) ?? 0, sim));
    });
  return forms;
}

function normalKey(key: string): string {
  return key.trim().toLowerCase();
}

function bestEvidence(input: ExtractInput): Evidence | undefined {
  const { meta, noise } = input;
  const candidates: Omit<Evidence, "score">[] = [];
  const steps = answeredSteps(meta.agent.trajectory);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = meta.agent.trajectory.indexOf(steps[i]!) + 1;
    for (const text of observationLines(steps[i]!.observation)) candidates.push({ text, step, order: i });
  }
  const toolNames = meta.agent.tools.map((t) => ({ option: t.name, names: [t.name] }));
  for (const line of meta.instruction.split("\n")) {
    if (findOptions(line, toolNames).length > 0) continue;
    for (const text of sentences(line)) candidates.push({ text, step: 0, order: 0 });
  }
  if (candidates.length === 0) return undefined;
  const terms = candidates.map((c) => termsOf(c.text));
  const idf = idfTable(terms);
  const query = new Set(termsOf(input.question));
  const entities = entityTerms(steps, query);
  let total = 0;
  for (const t of query) total += idf(t);
  const forms = demoForms(input);
  let best: Evidence | undefined;
  candidates.forEach((c, i) => {
    const kv = keyOf(c.text);
    const keyTerms = new Set(kv ? termsOf(kv.key) : []);
    let covered = 0;
    for (const t of new Set(terms[i])) if (query.has(t)) covered += idf(t) * ((kv && !keyTerms.has(t)) || (c.step === 0 && steps.length > 0) ? VALUE_WEIGHT : 1) * (entities.has(t) ? ENTITY_WEIGHT : 1);
    const coverage = total > 0 ? covered / total : 0;
    const back = c.step > 0 ? steps.length - 1 - c.order : 0;
    const weight = RECENCY ** back * (echoes(c.text, query) ? ECHO_DISCOUNT : 1) * (c.step === 0 && steps.length > 0 ? PROMPT_WHEN_OBSERVED : 1);
    const form = kv && c.step > 0 ? (forms.get(normalKey(kv.key)) ?? 0) * FORM_WEIGHT * RECENCY ** back : 0;
    const score = noise.scale(coverage * weight + form);
    if (score > 0 && (!best || score > best.score)) best = { ...c, score };
  });
  if (best) return best;
  // Nothing matches the question: the latest observation's first line, if there is one.
  const first = candidates.find((c) => c.step > 0);
  return first && { ...first, score: 0 };
}
