import type { LMCallMeta } from "../types.js";
import type { Field } from "../../signature/types.js";
import { answerClosed, type ClosedAnswer } from "./closed.js";
import { predictContext, type PredictContext } from "./context.js";
import { bestSentence, nearDemo, type BestSentence } from "./freetext.js";
import type { Noise } from "./noise.js";
import { fieldText } from "./terms.js";
import { answerWindow, lengthLimitFromDemos, lengthLimitFromInstruction } from "./shape.js";
import { closedOptionsOf, defaultValue, isReasoning, numbersIn } from "./values.js";

/** Answers every output field of a predict call; `reasoning`, if asked for, names the evidence. */
export function predict(meta: LMCallMeta, noise: Noise): Record<string, unknown> {
  const ctx = predictContext(meta, noise);
  const reader = new SentenceReader(ctx);
  const values: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const field of meta.signature.outputs) {
    if (isReasoning(field)) continue;
    const { value, note } = answerField(field, ctx, reader);
    values[field.name] = value;
    notes.push(`${field.name}: ${note}`);
  }
  const out: Record<string, unknown> = {};
  for (const field of meta.signature.outputs) {
    out[field.name] = isReasoning(field) ? reasoningSentence(notes) : values[field.name];
  }
  return out;
}

interface FieldAnswer {
  value: unknown;
  /** The evidence in a few words, for `reasoning`. */
  note: string;
}

function answerField(field: Field, ctx: PredictContext, reader: SentenceReader): FieldAnswer {
  if (closedOptionsOf(field.type)) return closedNote(answerClosed(field, ctx));

  const near = nearDemo(field.name, ctx);
  if (near) return { value: near.value, note: `copied from a near-identical example (#${near.index + 1})` };

  const best = reader.best();
  const sentenceNote = best ? `from the sentence ${quote(best.sentence.text)}` : "no input text to read";
  switch (field.type.kind) {
    case "string":
      return { value: reader.span(field.name) ?? "", note: sentenceNote };
    case "number":
    case "integer": {
      const n = numbersIn(best?.sentence.text ?? "").at(-1) ?? 0;
      return { value: field.type.kind === "integer" ? Math.round(n) : n, note: sentenceNote };
    }
    case "list": {
      const span = reader.span(field.name) ?? "";
      const item = field.type.item.kind;
      if (item === "string") return { value: splitItems(span), note: sentenceNote };
      if (item === "number") return { value: numbersIn(span), note: sentenceNote };
      if (item === "integer") return { value: numbersIn(span).map(Math.round), note: sentenceNote };
      return { value: [], note: "no evidence" };
    }
    default:
      return { value: defaultValue(field.type), note: "no evidence" };
  }
}

/** The best sentence, read once per call, and the answer span cut from it per field. */
class SentenceReader {
  private cached: BestSentence | undefined | null = null;
  constructor(private readonly ctx: PredictContext) {}

  best(): BestSentence | undefined {
    if (this.cached === null) this.cached = bestSentence(this.ctx);
    return this.cached;
  }

  /** The best sentence, cut to the length the instruction (first) or the demos ask for. */
  span(field: string): string | undefined {
    const best = this.best();
    if (!best) return undefined;
    const limit = lengthLimitFromInstruction(this.ctx.meta.instruction) ?? lengthLimitFromDemos(this.ctx.meta.demos, field);
    if (limit === undefined) return best.sentence.text;
    // The question is what the other inputs say (for a passage sentence: the question field).
    const question = this.ctx.inputFields
      .filter((f) => f !== best.sentence.field)
      .map((f) => fieldText(this.ctx.meta.inputs[f]))
      .join(" ");
    return answerWindow(best.sentence.text, limit, best.query, question);
  }
}

function closedNote(answer: ClosedAnswer): FieldAnswer {
  const { evidence, chosen } = answer;
  const parts: string[] = [];
  for (const cue of evidence.cues) parts.push(`cue words ${cue.terms.join(", ")} point to ${cue.option}`);
  const demo = evidence.demos[0];
  if (demo) parts.push(`the closest example (#${demo.index + 1}, similarity ${demo.similarity.toFixed(2)}) is ${demo.options.join(", ")}`);
  if (evidence.named.length > 0) parts.push(`the input names ${evidence.named.join(", ")}`);
  const answerText = chosen.length > 0 ? chosen.join(", ") : "nothing";
  if (parts.length === 0) return { value: answer.value, note: `no evidence, so ${answerText}` };
  return { value: answer.value, note: `${parts.join(" and ")}, so ${answerText}` };
}

function reasoningSentence(notes: string[]): string {
  return notes.length === 0 ? "Nothing to answer." : `Evidence — ${notes.join("; ")}.`;
}

/** "a, b and c" → ["a", "b", "c"]. */
function splitItems(span: string): string[] {
  return span
    .split(/\s*[,;]\s*|\s+and\s+/)
    .map((s) => s.trim().replace(/[.!?]+$/, ""))
    .filter((s) => s.length > 0);
}

function quote(text: string): string {
  const ws = text.split(/\s+/);
  return JSON.stringify(ws.length > 12 ? `${ws.slice(0, 12).join(" ")} …` : text);
}
