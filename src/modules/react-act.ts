import { lmCallRecord } from "../lm/call-record.js";
import { actSignature, TRAJECTORY } from "../adapters/react-fields.js";
import { trajectoryText } from "../adapters/react-trajectory-text.js";
import type { Action } from "../adapters/react-action.js";
import { readNative, renderNative, type NativeStep } from "../adapters/react-native.js";
import { parseAct, renderAct, type AgentDemo } from "../adapters/react-text.js";
import { FINISH_TOOL, type AgentMeta, type ToolSchema, type TrajectoryStep } from "../lm/tool-types.js";
import type { LMCallMeta, LMCallRecord, LMRequest, LMResponse } from "../lm/types.js";
import type { Demo } from "../program/types.js";
import type { Signature } from "../signature/types.js";
import type { StepRuntime } from "./types.js";

/** What every call of one agent step shares. */
export interface AgentContext {
  step: string;
  runtime: StepRuntime;
  signature: Signature;
  instruction: string;
  /** The state's demos as given (what `meta.demos` carries) and as agent demos (what is rendered). */
  demos: Demo[];
  agentDemos: readonly AgentDemo[];
  inputs: Record<string, unknown>;
  tools: ToolSchema[];
  maxIters: number;
}

/** One act call: what the model chose, and the record of the call. */
export interface Acted {
  action: Action;
  /** The provider's id of the tool call (native protocol). */
  callId?: string;
  record: LMCallRecord;
}

export type Protocol = "text" | "native";

/** `meta.agent` of a call: the tools and a snapshot of the trajectory (the loop goes on appending to its own). */
export function agentMeta(ctx: AgentContext, phase: AgentMeta["phase"], trajectory: readonly TrajectoryStep[]): AgentMeta {
  return { phase, tools: ctx.tools, trajectory: [...trajectory], maxIters: ctx.maxIters };
}

/** Asks the model for the next step, through the text protocol or native tool calling. */
export async function act(ctx: AgentContext, steps: readonly NativeStep[], protocol: Protocol): Promise<Acted> {
  const { runtime } = ctx;
  const names = ctx.tools.map((t) => t.name);
  const trajectory = steps.map((s) => s.step);
  const meta: LMCallMeta = {
    purpose: "predict",
    step: ctx.step,
    adapter: "chat",
    signature: actSignature(ctx.signature, [...names, FINISH_TOOL]),
    instruction: ctx.instruction,
    demos: ctx.demos,
    // As the act signature has them: the step's inputs and the trajectory as text.
    inputs: { ...ctx.inputs, [TRAJECTORY]: trajectoryText(trajectory) },
    agent: agentMeta(ctx, "act", trajectory),
  };
  const base = { model: runtime.lm.id, temperature: runtime.temperature, maxTokens: runtime.maxTokens, sample: runtime.sample, meta };
  const call = { signature: ctx.signature, instruction: ctx.instruction, demos: ctx.agentDemos, inputs: ctx.inputs, tools: ctx.tools, maxIters: ctx.maxIters };
  if (protocol === "native") {
    const { messages, tools } = renderNative({ ...call, steps });
    const request: LMRequest = { ...base, messages, tools, toolChoice: "required" };
    const response = await complete(runtime, request);
    const read = readNative(response, names);
    const record = lmCallRecord(request, response, read.action.tool === "" ? read.action.problem : undefined);
    // A call needs an id to be answered by a tool turn; a provider that gave none gets one by position.
    // A call of a tool that is not offered is sent back as text: a provider may refuse it in the history.
    const offered = [...names, FINISH_TOOL].includes(read.action.tool);
    const callId = read.callId === undefined || !offered ? undefined : read.callId || `call_${steps.length + 1}`;
    return { action: read.action, record, ...(callId !== undefined ? { callId } : {}) };
  }
  const request: LMRequest = { ...base, messages: renderAct({ ...call, trajectory }) };
  const response = await complete(runtime, request);
  const action = parseAct(response.text, names);
  const unreadable = action.tool === "" ? action.problem : undefined;
  const record = lmCallRecord(request, response, unreadable);
  if (unreadable !== undefined) runtime.lm.unreadable?.(request, unreadable);
  return { action, record };
}

function complete(runtime: StepRuntime, request: LMRequest): Promise<LMResponse> {
  return runtime.lm.complete(request, runtime.signal ? { signal: runtime.signal } : undefined);
}
