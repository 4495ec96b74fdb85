import { FINISH_TOOL, type ToolCall, type ToolSchema, type TrajectoryStep } from "../lm/tool-types.js";
import type { ChatMessage, LMResponse } from "../lm/types.js";
import { canonicalJson } from "../util/canonical.js";
import { objective, signatureListing } from "./describe.js";
import { actionOf, type Action } from "./react-action.js";
import { FINISH_DESCRIPTION, type AgentCall } from "./react-text.js";
import { renderInputs } from "./render-value.js";
import { callText } from "./react-trajectory-text.js";

/**
 * The act call of an agent step with native tool calling: the tools (and a `finish` tool) go in
 * the request, the inputs in a user turn, and each step of the trajectory is an assistant turn
 * that called a tool followed by the tool's result turn. Demo trajectories are written the same way
 * before the inputs, so the model sees whole worked episodes.
 */

/** The tool that ends the loop, offered beside the step's tools. */
export const FINISH_SCHEMA: ToolSchema = {
  name: FINISH_TOOL,
  description: FINISH_DESCRIPTION,
  parameters: { type: "object", properties: {}, additionalProperties: false },
};

/** A step of the trajectory with the id of the call it answered (as the provider gave it). */
export interface NativeStep {
  step: TrajectoryStep;
  /** Absent when the model called no tool at that step (its text was its whole answer). */
  callId?: string;
}

export function renderNative(call: Omit<AgentCall, "trajectory" | "demos"> & { demos: AgentCall["demos"]; steps: readonly NativeStep[] }): { messages: ChatMessage[]; tools: ToolSchema[] } {
  const messages: ChatMessage[] = [{ role: "system", content: systemText(call) }];
  call.demos.forEach((demo, d) => {
    if (demo.trajectory.length === 0) return;
    messages.push({ role: "user", content: renderInputs(call.signature.inputs, demo.fields) });
    demo.trajectory.forEach((step, i) => messages.push(...stepTurns({ step, callId: `demo${d + 1}_step${i + 1}` })));
  });
  messages.push({ role: "user", content: renderInputs(call.signature.inputs, call.inputs) });
  for (const s of call.steps) messages.push(...stepTurns(s));
  return { messages, tools: [...call.tools, FINISH_SCHEMA] };
}

function systemText(call: Pick<AgentCall, "signature" | "instruction" | "maxIters">): string {
  const outputs = call.signature.outputs.map((f) => `\`${f.name}\``).join(", ");
  return [
    signatureListing(call.signature),
    `Objective:\n${objective(call.instruction, call.signature)}`,
    `Work in steps: at each step say briefly what you think, then call one of the tools. Its result comes back to you. When you have what you need to produce ${outputs}, call \`${FINISH_TOOL}\`. You have at most ${call.maxIters} steps.`,
  ].join("\n\n");
}

/** A trajectory step as turns: the assistant's call and the tool's answer (or, with no call, the text and what was wrong). */
function stepTurns({ step, callId }: NativeStep): ChatMessage[] {
  if (callId === undefined) {
    // No call to answer (none, or of a tool not offered): what the model wrote, then what was wrong.
    const wrote = step.thought.trim() !== "" ? step.thought : step.tool !== "" ? callText(step) : "(no tool called)";
    return [
      { role: "assistant", content: wrote },
      { role: "user", content: step.observation },
    ];
  }
  const toolCall: ToolCall = { id: callId, name: step.tool, arguments: canonicalJson(step.args) };
  return [
    { role: "assistant", content: step.thought, toolCalls: [toolCall] },
    { role: "tool", toolCallId: callId, content: step.tool === FINISH_TOOL && step.observation === "" ? "done" : step.observation },
  ];
}

/** What the model chose in a native response: its first tool call (text is the thought). */
export function readNative(response: Pick<LMResponse, "text" | "toolCalls">, toolNames: readonly string[]): { action: Action; callId?: string } {
  const thought = response.text.trim();
  const first = response.toolCalls?.[0];
  if (!first) {
    return { action: { thought, tool: "", args: {}, problem: `no tool was called; call one of: ${[...toolNames, FINISH_TOOL].join(", ")}` } };
  }
  return { action: actionOf(thought, first.name, first.arguments, toolNames), callId: first.id };
}
