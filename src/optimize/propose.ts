import { ParseFailure, predict } from "../adapters/predict.js";
import { LMCallError } from "../lm/call-error.js";
import { FINISH_TOOL, type TrajectoryStep } from "../lm/tool-types.js";
import type { FeedbackRecord, LMCallRecord, LMClient } from "../lm/types.js";
import { signatureToString } from "../signature/format.js";
import type { Signature } from "../signature/types.js";
import { InterruptedError } from "../util/errors.js";
import { inFlightSignal } from "../util/interrupt.js";
import { valueToText } from "../util/text.js";
import type { Proposal } from "./types.js";

const SIGNATURE: Signature = {
  inputs: [
    { name: "current_instruction", type: { kind: "string" }, desc: "The step's instruction today", typed: true },
    { name: "task", type: { kind: "string" }, desc: "What the step takes and must produce", typed: true },
    { name: "examples", type: { kind: "string" }, desc: "What the step did on examples, with the expected outputs and feedback", typed: true },
  ],
  outputs: [{ name: "new_instruction", type: { kind: "string" }, desc: "The improved instruction, complete, ready to use", typed: true }],
};

const REFLECT =
  "You improve the instruction of one step of a language-model program. You see the current instruction, " +
  "the fields the step reads and writes, and examples of what it did, each with the expected outputs and " +
  "feedback. Write a new instruction that keeps what works and fixes what went wrong: state the rules the " +
  "examples reveal (for each possible answer, the clues in the input that point to it), cover the edge " +
  "cases the feedback mentions, and say what form and length answers take. Return the whole new instruction.";

/** Added for a step that calls tools: what to learn from its trajectories. Tool descriptions are not the LM's to rewrite. */
const AGENT_NOTE =
  " The step is an agent that calls tools: from which tools it called, with what, and what came back, say which " +
  "tool answers which kind of question and in what order to chain them (for each tool, the words in a question " +
  "that call for it); the tools themselves and their descriptions stay as they are.";

const PROPOSE =
  "You write the instruction for one step of a language-model program. You see the current instruction, " +
  "the fields the step reads and writes, and examples of inputs with the outputs they should get (and, where " +
  "shown, what the step produced). Write an instruction that would lead a model to the expected outputs: " +
  "describe the task, the rules that decide each answer, and the form answers take. Return the whole instruction.";

function describeRecords(records: readonly FeedbackRecord[]): string {
  return records
    .map((r, i) => {
      const lines = [`Example ${i + 1}`, "Inputs:"];
      for (const [k, v] of Object.entries(r.inputs)) lines.push(`  ${k}: ${valueToText(v)}`);
      if (r.outputs) {
        lines.push("The step produced:");
        for (const [k, v] of Object.entries(r.outputs)) lines.push(`  ${k}: ${valueToText(v)}`);
      }
      if (r.trajectory && r.trajectory.length > 0) {
        lines.push("What the step did (tool calls, in order):");
        r.trajectory.forEach((t, i) => lines.push(`  ${i + 1}. ${describeStep(t)}`));
      }
      if (r.functionOutputs) {
        lines.push("The program's code steps then produced:");
        for (const [step, outputs] of Object.entries(r.functionOutputs)) for (const [k, v] of Object.entries(outputs)) lines.push(`  ${step}.${k}: ${valueToText(v)}`);
      }
      if (r.expected) {
        lines.push("Expected:");
        for (const [k, v] of Object.entries(r.expected)) lines.push(`  ${k}: ${valueToText(v)}`);
      }
      if (r.feedback) lines.push(`Feedback: ${r.feedback}`);
      return lines.join("\n");
    })
    .join("\n\n");
}

function describeStep(t: TrajectoryStep): string {
  const thought = t.thought.trim() === "" ? "" : `thought: ${t.thought.trim()} · `;
  if (t.tool === FINISH_TOOL) return `${thought}finished`;
  const result = t.error !== undefined ? `failed: ${t.error}` : `returned: ${t.observation}`;
  return `${thought}called ${t.tool}(${JSON.stringify(t.args)}) → ${result}`;
}

/**
 * Asks an LM for an instruction for a step. `sample` 0 asks at temperature 0; later samples at 1,
 * so repeated proposals differ (and each stays reproducible: it is cached by its sample). An answer
 * that cannot be read (in the chat format, nor in the json one asked for next), or a request the
 * model refused, is a failed proposal, not an error: the calls made are returned either way, to be
 * paid for. Other LM errors (fatal, or transient after every retry) propagate. Once `signal` has
 * aborted, no proposal is asked for; one already asked for ends unless the stop aborts calls in
 * flight too (see inFlightSignal).
 */
export async function proposeInstruction(
  lm: LMClient,
  args: { step: string; signature: Signature; instruction: string; records: FeedbackRecord[]; purpose: "propose_instruction" | "reflect"; sample: number; signal?: AbortSignal },
): Promise<{ proposal: Proposal; calls: LMCallRecord[] }> {
  if (args.signal?.aborted) throw new InterruptedError();
  const signal = inFlightSignal(args.signal);
  try {
    const { values, calls } = await predict({
      lm,
      signature: SIGNATURE,
      instruction: (args.purpose === "reflect" ? REFLECT : PROPOSE) + (args.records.some((r) => r.trajectory) ? AGENT_NOTE : ""),
      demos: [],
      inputs: {
        current_instruction: args.instruction || "(none)",
        task: signatureToString(args.signature),
        examples: describeRecords(args.records),
      },
      purpose: args.purpose,
      step: args.step,
      target: { step: args.step, signature: args.signature, instruction: args.instruction, records: args.records },
      temperature: args.sample === 0 ? 0 : 1,
      maxTokens: 2048,
      sample: args.sample,
      ...(signal ? { signal } : {}),
    });
    const instruction = valueToText(values.new_instruction).trim();
    return { proposal: { ok: true, instruction: instruction || args.instruction }, calls };
  } catch (err) {
    if (err instanceof ParseFailure) return { proposal: { ok: false, error: err.message }, calls: err.calls };
    // Refused, or cut off before writing anything: the endpoint answered, but with nothing to use.
    if (err instanceof LMCallError && err.kind === "rejected") return { proposal: { ok: false, error: err.message }, calls: [] };
    throw err;
  }
}

