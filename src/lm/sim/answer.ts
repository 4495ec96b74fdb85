import type { LMRequest } from "../types.js";
import type { Field, Signature } from "../../signature/types.js";
import { agentAnswer } from "./agent.js";
import { groundedAnswer } from "./grounded.js";
import { judge, type Judgement } from "./judge.js";
import { noiseFor } from "./noise.js";
import { predict } from "./predict.js";
import { proposeInstruction, type Proposal } from "./reflect.js";
import { defaultValue, isReasoning } from "./values.js";

/** sim's answer to a request, as values of the output fields. Reads only `meta`, `temperature` and `sample`. */
export function simAnswer(request: LMRequest): Record<string, unknown> {
  const { meta } = request;
  const noise = noiseFor(request);
  const grounded = groundedAnswer(meta, noise);
  if (grounded) return grounded;
  switch (meta.purpose) {
    case "predict":
      return meta.agent ? agentAnswer({ ...meta, agent: meta.agent }, noise) : predict(meta, noise);
    case "propose_instruction":
    case "reflect":
      return proposalOutputs(meta.signature, proposeInstruction(meta, meta.purpose, noise));
    case "judge":
      return judgementOutputs(meta.signature, judge(meta.inputs));
    default:
      throw new Error(`sim: unknown purpose ${JSON.stringify(meta.purpose)}`);
  }
}

/** The first string output (other than reasoning) carries the instruction; the rest get defaults. */
function proposalOutputs(signature: Signature, proposal: Proposal): Record<string, unknown> {
  const main = signature.outputs.find((f) => f.type.kind === "string" && !isReasoning(f));
  return fill(signature, (field) => {
    if (field === main) return proposal.instruction;
    if (isReasoning(field)) {
      return proposal.notes.length > 0 ? `Learned cues — ${proposal.notes.join("; ")}.` : "Nothing new to learn from these examples.";
    }
    return undefined;
  });
}

/** `score` (or the first numeric output) and `feedback` (or the first other string output). */
function judgementOutputs(signature: Signature, j: Judgement): Record<string, unknown> {
  const outs = signature.outputs;
  const scoreField = outs.find((f) => f.name === "score") ?? outs.find((f) => f.type.kind === "number" || f.type.kind === "integer");
  const feedbackField =
    outs.find((f) => f.name === "feedback") ?? outs.find((f) => f.type.kind === "string" && !isReasoning(f) && f !== scoreField);
  return fill(signature, (field) => {
    if (field === scoreField) return field.type.kind === "string" ? String(j.score) : j.score;
    if (field === feedbackField || isReasoning(field)) return j.feedback;
    if (field.type.kind === "boolean") return j.score >= 0.5;
    return undefined;
  });
}

function fill(signature: Signature, valueOf: (field: Field) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of signature.outputs) out[field.name] = valueOf(field) ?? defaultValue(field.type);
  return out;
}
