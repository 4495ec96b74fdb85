import { FINISH_TOOL, type ToolSchema, type TrajectoryStep } from "../lm/tool-types.js";
import type { ChatMessage } from "../lm/types.js";
import type { Demo } from "../program/types.js";
import type { Signature } from "../signature/types.js";
import { canonicalJson } from "../util/canonical.js";
import { chatAdapter } from "./chat.js";
import { objective } from "./describe.js";
import { findMarkers, readSections } from "./markers.js";
import { actionOf, type Action } from "./react-action.js";
import { actSignature, extractSignature, NEXT_THOUGHT, NEXT_TOOL_ARGS, NEXT_TOOL_NAME, TRAJECTORY } from "./react-fields.js";
import { NO_STEPS, trajectoryText } from "./react-trajectory-text.js";

/**
 * The text protocol of an agent (react) step, through the chat adapter: the act call asks for
 * `next_thought`, `next_tool_name` and `next_tool_args` given the inputs and the trajectory so far,
 * with the tools listed in the objective; the extraction call is a chain-of-thought call over the
 * inputs and the whole trajectory. Used for `sim` and wherever native tool calling is not available.
 */

/** A demo of an agent step: its field values (inputs, outputs) and the trajectory that led to them. */
export interface AgentDemo {
  fields: Demo;
  trajectory: readonly TrajectoryStep[];
}

export interface AgentCall {
  /** The step's own signature. */
  signature: Signature;
  instruction: string;
  demos: readonly AgentDemo[];
  inputs: Record<string, unknown>;
  tools: readonly ToolSchema[];
  trajectory: readonly TrajectoryStep[];
  maxIters: number;
}

/** The messages of an act call. */
export function renderAct(call: AgentCall): ChatMessage[] {
  const names = call.tools.map((t) => t.name);
  const signature = actSignature(call.signature, [...names, FINISH_TOOL]);
  const inputs = { ...call.inputs, [TRAJECTORY]: trajectoryText(call.trajectory) };
  return chatAdapter.render({ signature, instruction: actObjective(call), demos: actDemos(call.demos), inputs }, { structuredOutput: false }).messages;
}

/** What the model chose in an act completion; an answer that cannot be used says why in `problem`. */
export function parseAct(completion: string, toolNames: readonly string[]): Action {
  const found = readSections(completion);
  const thought = found.get(NEXT_THOUGHT) ?? "";
  const tool = found.get(NEXT_TOOL_NAME);
  if (tool === undefined) {
    const why = findMarkers(completion).length === 0 ? "the answer was not in the structure asked for" : `the answer has no \`[[ ## ${NEXT_TOOL_NAME} ## ]]\` field`;
    return { thought, tool: "", args: {}, problem: `${why}; choose one of: ${[...toolNames, FINISH_TOOL].join(", ")}` };
  }
  return actionOf(thought, tool, found.get(NEXT_TOOL_ARGS), toolNames);
}

/** The extraction call's signature, demos and inputs (for predict, with the step's instruction as is). */
export function extractCall(call: Omit<AgentCall, "tools" | "maxIters">): { signature: Signature; demos: Demo[]; inputs: Record<string, unknown> } {
  return {
    signature: extractSignature(call.signature),
    demos: extractDemos(call.demos),
    inputs: { ...call.inputs, [TRAJECTORY]: trajectoryText(call.trajectory, NO_STEPS) },
  };
}

/**
 * The act call's objective: the step's instruction (or one derived from its signature), how the
 * steps work, and the tools with their parameters (JSON Schema, canonical so prompts are stable).
 */
export function actObjective(call: Pick<AgentCall, "signature" | "instruction" | "tools" | "maxIters">): string {
  const outputs = call.signature.outputs.map((f) => `\`${f.name}\``).join(", ");
  const tools = [
    ...call.tools.map((t) => ({ name: t.name, description: t.description, parameters: canonicalJson(t.parameters) })),
    { name: FINISH_TOOL, description: FINISH_DESCRIPTION, parameters: "{}" },
  ];
  return [
    objective(call.instruction, call.signature),
    `Work in steps. At each step you are given the input fields and the trajectory of the steps so far: write your next thought, then choose the next tool and its arguments (a JSON object). What the tool returns is added to the trajectory as an observation. When the trajectory holds what you need to produce ${outputs}, choose \`${FINISH_TOOL}\` with {} as its arguments. You have at most ${call.maxIters} steps.`,
    `Tools:\n${tools.map((t, i) => `${i + 1}. \`${t.name}\`: ${t.description}\n   arguments: ${t.parameters}`).join("\n")}`,
  ].join("\n\n");
}

/** What `finish` does, for the tool list and the native finish tool. */
export const FINISH_DESCRIPTION = "End the work: the outputs are then written from the trajectory.";

/**
 * Demos of an act call: each demo trajectory becomes one user/assistant pair — its inputs with the
 * trajectory up to its last step, and that last step's choice (usually `finish`) as the answer.
 * Demos without a trajectory show nothing about acting and are left out.
 */
const actDemoCache = new WeakMap<readonly AgentDemo[], Demo[]>();
function actDemos(demos: readonly AgentDemo[]): Demo[] {
  let out = actDemoCache.get(demos);
  if (!out) {
    out = demos.flatMap(({ fields, trajectory }) => {
      const last = trajectory[trajectory.length - 1];
      if (!last) return [];
      return [{ ...fields, [TRAJECTORY]: trajectoryText(trajectory.slice(0, -1)), [NEXT_THOUGHT]: last.thought, [NEXT_TOOL_NAME]: last.tool, [NEXT_TOOL_ARGS]: last.args }];
    });
    actDemoCache.set(demos, out);
  }
  return out;
}

/** Demos of the extraction call: inputs, the whole trajectory as text, and the outputs. */
const extractDemoCache = new WeakMap<readonly AgentDemo[], Demo[]>();
function extractDemos(demos: readonly AgentDemo[]): Demo[] {
  let out = extractDemoCache.get(demos);
  if (!out) {
    out = demos.map(({ fields, trajectory }) => ({ ...fields, [TRAJECTORY]: trajectoryText(trajectory, NO_STEPS) }));
    extractDemoCache.set(demos, out);
  }
  return out;
}
