import { ParseFailure, predict } from "../adapters/predict.js";
import type { NativeStep } from "../adapters/react-native.js";
import { extractCall } from "../adapters/react-text.js";
import { ToolsUnsupportedError } from "../lm/call-error.js";
import { FINISH_TOOL, type ToolSchema, type TrajectoryStep } from "../lm/tool-types.js";
import type { LMCallRecord, LMClient } from "../lm/types.js";
import { errorMessage, InterruptedError, isFatal } from "../util/errors.js";
import { dispatchSignal } from "../util/interrupt.js";
import { PartialStepError } from "./partial-step-error.js";
import { act, agentMeta, type AgentContext, type Protocol } from "./react-act.js";
import { observe } from "./react-observe.js";
import { agentDemos } from "./react-trajectory.js";
import type { ModuleOutcome, ModuleRunArgs } from "./types.js";

export interface AgentLimits {
  maxIters: number;
  maxObservationChars: number;
}

/** Clients that refused `tools` once: the agent speaks the text protocol to them from then on. */
const textOnly = new WeakSet<LMClient>();

function protocolFor(lm: LMClient): Protocol {
  return lm.toolCalling === true && !textOnly.has(lm) ? "native" : "text";
}

/**
 * The agent loop of a react step: at each iteration the model chooses a tool and its arguments
 * (or `finish`), the tool runs, and its observation joins the trajectory; after `finish` or
 * `maxIters` iterations a chain-of-thought extraction writes the step's outputs from the inputs and
 * the trajectory. Whatever the model writes or a tool does is an observation, never a crash; a
 * stop request is honoured between iterations. A failure of the step itself (the extraction could
 * not be read, an LM call refused) keeps the iterations done so far in its PartialStepError.
 */
export async function runAgent(args: ModuleRunArgs<AgentLimits>): Promise<ModuleOutcome> {
  const { runtime, tools } = args;
  if (!runtime) throw new Error(`step ${args.step}: an LM module ran without an LM`);
  if (!tools) throw new Error(`step ${args.step}: a react step ran without its tools`);
  const schemas: ToolSchema[] = tools.specs.map(({ name, description, parameters }) => ({ name, description, parameters }));
  const ctx: AgentContext = {
    step: args.step,
    runtime,
    signature: args.signature,
    instruction: args.state.instruction,
    demos: args.state.demos,
    agentDemos: agentDemos(args.state.demos),
    inputs: args.inputs,
    tools: schemas,
    maxIters: args.prepared.maxIters,
  };
  const steps: NativeStep[] = [];
  const trajectory: TrajectoryStep[] = [];
  const calls: LMCallRecord[] = [];
  try {
    for (let i = 0; i < ctx.maxIters; i++) {
      if (i > 0) stopIfAsked(runtime.signal);
      const acted = await actOnce(ctx, steps);
      calls.push(acted.record);
      const observed = await observe(acted.action, tools, args.prepared.maxObservationChars, runtime.signal);
      const { action, record } = acted;
      const step: TrajectoryStep = {
        thought: action.thought,
        tool: action.tool,
        args: action.args,
        observation: observed.observation,
        ...(observed.error !== undefined ? { error: observed.error } : {}),
        ...(observed.replayed ? { replayed: true } : {}),
        usage: record.usage,
        lmLatencyMs: record.latencyMs,
        ...(observed.toolLatencyMs !== undefined ? { toolLatencyMs: observed.toolLatencyMs } : {}),
      };
      trajectory.push(step);
      steps.push({ step, ...(acted.callId !== undefined ? { callId: acted.callId } : {}) });
      if (action.tool === FINISH_TOOL && action.problem === undefined) break;
    }
    stopIfAsked(runtime.signal);
    const extract = extractCall({ signature: ctx.signature, instruction: ctx.instruction, demos: ctx.agentDemos, inputs: ctx.inputs, trajectory });
    const result = await predict({
      lm: runtime.lm,
      ...extract,
      instruction: ctx.instruction,
      purpose: "predict",
      step: args.step,
      agent: agentMeta(ctx, "extract", trajectory),
      temperature: runtime.temperature,
      maxTokens: runtime.maxTokens,
      sample: runtime.sample,
      ...(runtime.signal ? { signal: runtime.signal } : {}),
    });
    calls.push(...result.calls);
    const outputs: Record<string, unknown> = {};
    for (const field of args.signature.outputs) outputs[field.name] = result.values[field.name];
    return { outputs, calls, trajectory };
  } catch (err) {
    if (isFatal(err)) throw err;
    if (err instanceof ParseFailure) throw new PartialStepError(err.message, [...calls, ...err.calls], trajectory, err.raw);
    throw new PartialStepError(errorMessage(err), calls, trajectory);
  }
}

/** One act call; a client that turns out to refuse `tools` is asked again, and from then on, in text. */
async function actOnce(ctx: AgentContext, steps: readonly NativeStep[]) {
  const lm = ctx.runtime.lm;
  const protocol = protocolFor(lm);
  if (protocol === "text") return act(ctx, steps, "text");
  try {
    return await act(ctx, steps, "native");
  } catch (err) {
    if (!(err instanceof ToolsUnsupportedError)) throw err;
    textOnly.add(lm);
    return act(ctx, steps, "text");
  }
}

/** A stop request (the first Ctrl-C) ends the loop before the next call: nothing new is sent. */
function stopIfAsked(signal: AbortSignal | undefined): void {
  if (dispatchSignal(signal)?.aborted) throw new InterruptedError();
}
