import { ParseFailure, predict } from "../adapters/predict.js";
import { LMCallError } from "../lm/call-error.js";
import { FINISH_TOOL, type TrajectoryStep } from "../lm/tool-types.js";
import type { FeedbackRecord, Grounding, LMCallRecord, LMClient } from "../lm/types.js";
import { signatureToString } from "../signature/format.js";
import type { Signature } from "../signature/types.js";
import { InterruptedError } from "../util/errors.js";
import { inFlightSignal } from "../util/interrupt.js";
import { valueToText } from "../util/text.js";
import { describeToolUses, describeTools } from "./describe-tools.js";
import type { Proposal } from "./types.js";

const SIGNATURE: Signature = {
  inputs: [
    { name: "current_instruction", type: { kind: "string" }, desc: "The step's instruction today", typed: true },
    { name: "task", type: { kind: "string" }, desc: "What the step takes and must produce", typed: true },
    { name: "examples", type: { kind: "string" }, desc: "What the step did on examples, with the expected outputs and feedback", typed: true },
  ],
  outputs: [{ name: "new_instruction", type: { kind: "string" }, desc: "The improved instruction, complete, ready to use", typed: true }],
};

/** A grounded proposal (mipro) also shows the program and dataset summaries and a tip. */
const GROUNDED_SIGNATURE: Signature = {
  inputs: [
    { name: "program_summary", type: { kind: "string" }, desc: "What the whole program does", typed: true },
    { name: "dataset_summary", type: { kind: "string" }, desc: "What the data looks like", typed: true },
    ...SIGNATURE.inputs,
    { name: "tip", type: { kind: "string" }, desc: "How to write this instruction", typed: true },
  ],
  outputs: SIGNATURE.outputs,
};

/** A grounded proposal for an agent step also shows its tools and how the teacher used them. */
const GROUNDED_AGENT_SIGNATURE: Signature = {
  inputs: [
    ...GROUNDED_SIGNATURE.inputs.slice(0, 2),
    { name: "tools", type: { kind: "string" }, desc: "The tools the step can call: name, arguments and description", typed: true },
    { name: "tool_use", type: { kind: "string" }, desc: "On train examples: the step's inputs, the tools it called with what, and whether the answer passed", typed: true },
    ...GROUNDED_SIGNATURE.inputs.slice(2),
  ],
  outputs: SIGNATURE.outputs,
};

const GROUNDED =
  "You write the instruction for one step of a language-model program. You see a summary of the program, " +
  "a summary of its data, the step's current instruction, the fields it reads and writes, a few worked " +
  "examples of the step, and a tip on how to write. Write an instruction that would lead a model to outputs " +
  "like the examples': the task, the clues that decide each answer, and the form answers take, following the tip. " +
  "Return the whole instruction.";

/** Added to a grounded proposal for an agent step. Tool descriptions are not the LM's to rewrite. */
const GROUNDED_AGENT_NOTE =
  " The step is an agent that calls tools: you also see its tools and, for train examples, which tools it called " +
  "with what and whether its answer passed. From the runs that passed, say which tool answers which kind of " +
  "question and in what order to chain them (for each tool, the words in a question that call for it); the tools " +
  "themselves and their descriptions stay as they are.";

/** The tips a grounded proposal is given (one per proposal, drawn with the seed), and what each asks for. */
export const TIPS: Readonly<Record<string, string>> = {
  none: "",
  creative: "Don't be afraid to be creative when writing the instruction.",
  simple: "Keep the instruction clear and concise.",
  description: "Make sure the instruction is very informative and descriptive.",
  high_stakes: "The instruction should say that the task is high stakes and must be done carefully.",
  persona: "Include a persona in the instruction that is relevant to the task.",
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
  args: {
    step: string;
    signature: Signature;
    instruction: string;
    records: FeedbackRecord[];
    purpose: "propose_instruction" | "reflect";
    sample: number;
    grounding?: Grounding;
    signal?: AbortSignal;
  },
): Promise<{ proposal: Proposal; calls: LMCallRecord[] }> {
  const g = args.grounding;
  const inputs: Record<string, unknown> = {
    ...(g ? { program_summary: g.program, dataset_summary: g.dataset } : {}),
    ...(g?.agent ? { tools: describeTools(g.agent.tools), tool_use: describeToolUses(g.agent.uses) } : {}),
    current_instruction: args.instruction || "(none)",
    task: signatureToString(args.signature),
    examples: describeRecords(args.records),
    ...(g ? { tip: TIPS[g.tip] || "(none)" } : {}),
  };
  const { outcome, calls } = await askLm(
    {
      lm,
      signature: g ? (g.agent ? GROUNDED_AGENT_SIGNATURE : GROUNDED_SIGNATURE) : SIGNATURE,
      instruction: g ? GROUNDED + (g.agent ? GROUNDED_AGENT_NOTE : "") : (args.purpose === "reflect" ? REFLECT : PROPOSE) + (args.records.some((r) => r.trajectory) ? AGENT_NOTE : ""),
      demos: [],
      inputs,
      purpose: args.purpose,
      step: args.step,
      target: { step: args.step, signature: args.signature, instruction: args.instruction, records: args.records, ...(g ? { grounding: g } : {}) },
      temperature: args.sample === 0 ? 0 : 1,
      maxTokens: 2048,
      sample: args.sample,
    },
    args.signal,
  );
  if (!outcome.ok) return { proposal: outcome, calls };
  const instruction = valueToText(outcome.values.new_instruction).trim();
  return { proposal: { ok: true, instruction: instruction || args.instruction }, calls };
}

/**
 * One call of the proposal LM (a proposal or a summary): its values, or — the answer could not be
 * read, or the request was refused — why not, with the calls made either way (to be paid for).
 * Other LM errors propagate; once `signal` has aborted nothing is asked.
 */
export async function askLm(
  call: Omit<Parameters<typeof predict>[0], "signal">,
  abort: AbortSignal | undefined,
): Promise<{ outcome: { ok: true; values: Record<string, unknown> } | { ok: false; error: string }; calls: LMCallRecord[] }> {
  if (abort?.aborted) throw new InterruptedError();
  const signal = inFlightSignal(abort);
  try {
    const { values, calls } = await predict({ ...call, ...(signal ? { signal } : {}) });
    return { outcome: { ok: true, values }, calls };
  } catch (err) {
    if (err instanceof ParseFailure) return { outcome: { ok: false, error: err.message }, calls: err.calls };
    // Refused, or cut off before writing anything: the endpoint answered, but with nothing to use.
    if (err instanceof LMCallError && err.kind === "rejected") return { outcome: { ok: false, error: err.message }, calls: [] };
    throw err;
  }
}

