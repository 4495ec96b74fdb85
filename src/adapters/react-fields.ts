import type { Field, Signature } from "../signature/types.js";

/**
 * The fields of an agent (react) step's two kinds of call. `act` sees the step's inputs and the
 * trajectory so far and writes the next thought, tool and arguments; `extract` sees the inputs and
 * the whole trajectory and writes the step's outputs, reasoning first (chain-of-thought style).
 */

export const TRAJECTORY = "trajectory";
export const NEXT_THOUGHT = "next_thought";
export const NEXT_TOOL_NAME = "next_tool_name";
export const NEXT_TOOL_ARGS = "next_tool_args";
export const REASONING = "reasoning";

/** Names a react step's own signature may not use: the protocol's fields. */
export const PROTOCOL_FIELDS: readonly string[] = [TRAJECTORY, NEXT_THOUGHT, NEXT_TOOL_NAME, NEXT_TOOL_ARGS, REASONING];

const trajectoryField: Field = {
  name: TRAJECTORY,
  type: { kind: "string" },
  desc: "What was done so far: each step's thought, the tool called with its arguments, and what came back",
  typed: true,
};

const reasoningField: Field = {
  name: REASONING,
  type: { kind: "string" },
  desc: "Think it through step by step, from the trajectory, before giving the answer.",
  typed: true,
};

/** One act signature per (step signature, tool list): prompts are memoized on signature objects. */
const actSignatures = new WeakMap<Signature, Map<string, Signature>>();

/** The act call's signature: the step's inputs + the trajectory → thought, tool name (the tools and `finish`), arguments. */
export function actSignature(step: Signature, toolNames: readonly string[]): Signature {
  let byTools = actSignatures.get(step);
  if (!byTools) actSignatures.set(step, (byTools = new Map()));
  const key = toolNames.join("\u0000");
  let sig = byTools.get(key);
  if (!sig) {
    sig = {
      inputs: [...step.inputs, trajectoryField],
      outputs: [
        { name: NEXT_THOUGHT, type: { kind: "string" }, desc: "What you make of the trajectory so far, and what to do next", typed: true },
        { name: NEXT_TOOL_NAME, type: { kind: "enum", options: [...toolNames] }, desc: "The tool to call next, or finish", typed: true },
        { name: NEXT_TOOL_ARGS, type: { kind: "json" }, desc: "The tool's arguments, as a JSON object ({} for finish)", typed: true },
      ],
    };
    byTools.set(key, sig);
  }
  return sig;
}

const extractSignatures = new WeakMap<Signature, Signature>();

/** The extraction call's signature: the step's inputs + the trajectory → reasoning, then the step's outputs. */
export function extractSignature(step: Signature): Signature {
  let sig = extractSignatures.get(step);
  if (!sig) {
    sig = { inputs: [...step.inputs, trajectoryField], outputs: [reasoningField, ...step.outputs] };
    extractSignatures.set(step, sig);
  }
  return sig;
}
