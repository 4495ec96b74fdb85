import { ParseFailure } from "../adapters/predict.js";
import type { LMClient } from "../lm/types.js";
import type { StepTools } from "../tools/types.js";
import type { ProgramState, StepState } from "../program/state.js";
import type { Ref } from "../program/types.js";
import { InterruptedError, isFatal } from "../util/errors.js";
import { PartialStepError } from "../modules/partial-step-error.js";
import { inFlightSignal } from "../util/interrupt.js";
import type { Prediction, StepTrace, Trace } from "./trace.js";
import type { CompiledStep, Graph } from "./types.js";

export interface ExecContext {
  /** The client an LM step runs on. */
  lmFor(step: CompiledStep): LMClient;
  /** The tools a step that names some may call (answered from the store when recorded). */
  toolsFor?(step: CompiledStep): StepTools | undefined;
  /** Sample index for every LM call (bootstrapping draws several). Default 0. */
  sample?: number;
  /** Overrides every step's temperature (e.g. a teacher sampling at 0.7). */
  temperature?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_TOKENS = 1024;

/**
 * A step failed for this example (unparseable output, an LM error after retries, a module error).
 * The example is recorded as an error; the run goes on.
 */
export class StepFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly trace: Trace,
    /** The raw completion, when the failure was an unreadable one. */
    readonly raw?: string,
  ) {
    super(`step ${step}: ${message}`);
    this.name = "StepFailure";
  }
}

export { isFatal };

/**
 * Runs the graph on one example. Each step starts as soon as the steps it reads have finished, so
 * independent steps run concurrently; the trace is reported in graph order whatever the timing.
 */
export async function executeGraph(
  graph: Graph,
  state: ProgramState,
  inputs: Record<string, unknown>,
  ctx: ExecContext,
): Promise<Prediction> {
  const traces = new Map<string, StepTrace>();
  const outputsOf = new Map<string, Record<string, unknown>>();
  const resolve = (ref: Ref) => (ref.kind === "input" ? inputs[ref.field] : outputsOf.get(ref.step)?.[ref.field]);

  const runStep = async (step: CompiledStep): Promise<void> => {
    if (ctx.signal?.aborted) throw new InterruptedError();
    const stepInputs: Record<string, unknown> = {};
    for (const field of step.signature.inputs) stepInputs[field.name] = resolve(step.sources[field.name]!);
    const trace: StepTrace = { step: step.name, module: step.module.name, inputs: stepInputs, calls: [], latencyMs: 0 };
    traces.set(step.name, trace);
    const began = performance.now();
    const tools = ctx.toolsFor?.(step);
    try {
      const outcome = await step.module.run({
        step: step.name,
        signature: step.signature,
        prepared: step.prepared,
        state: stateOf(state, step),
        inputs: stepInputs,
        ...(step.module.usesLM ? { runtime: runtimeFor(step, ctx) } : {}),
        ...(tools ? { tools } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      trace.outputs = outcome.outputs;
      trace.calls = outcome.calls;
      if (outcome.trajectory) trace.trajectory = outcome.trajectory;
      outputsOf.set(step.name, outcome.outputs);
    } catch (err) {
      if (err instanceof ParseFailure) trace.calls = err.calls;
      if (err instanceof PartialStepError) {
        // What the step did before it failed (an agent's iterations) stays in the trace.
        trace.calls = err.calls;
        if (err.trajectory) trace.trajectory = err.trajectory;
      }
      trace.error = (err as Error).message;
      throw err;
    } finally {
      trace.latencyMs = performance.now() - began;
    }
  };

  if (graph.steps.length === 1) {
    // One step (the common case): no promise bookkeeping.
    const step = graph.steps[0]!;
    try {
      await runStep(step);
    } catch (err) {
      if (isFatal(err)) throw err;
      throw new StepFailure(step.name, (err as Error)?.message ?? String(err), [traces.get(step.name)!], rawOf(err));
    }
    const outputs: Record<string, unknown> = {};
    for (const out of graph.outputs) outputs[out.name] = resolve(out.ref);
    return { outputs, trace: [traces.get(step.name)!] };
  }

  // Steps come in dependency order, so each one chains on its producers' promises: it starts as
  // soon as they finish, and independent steps run concurrently. A failed producer fails its
  // readers without running them.
  const done = new Map<string, Promise<void>>();
  for (const step of graph.steps) {
    const deps = step.deps.map((d) => done.get(d)!);
    const run = () => runStep(step);
    done.set(step.name, deps.length === 0 ? run() : deps.length === 1 ? deps[0]!.then(run) : Promise.all(deps).then(run));
  }
  const settled = await Promise.allSettled(done.values());
  const trace = graph.steps.flatMap((s) => (traces.has(s.name) ? [traces.get(s.name)!] : []));
  const reasons = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (reasons.length > 0) {
    // A fatal error anywhere wins; otherwise report the earliest step (in graph order) that failed itself.
    const fatal = reasons.find(isFatal);
    if (fatal) throw fatal;
    const failing = graph.steps.find((s) => traces.get(s.name)?.error !== undefined)!;
    const reason = settled[graph.steps.indexOf(failing)]!;
    const cause = reason.status === "rejected" ? (reason.reason as unknown) : reasons[0];
    const raw = rawOf(cause);
    throw new StepFailure(failing.name, (cause as Error)?.message ?? String(cause), trace, raw);
  }
  const outputs: Record<string, unknown> = {};
  for (const out of graph.outputs) outputs[out.name] = resolve(out.ref);
  return { outputs, trace };
}

function stateOf(state: ProgramState, step: CompiledStep): StepState {
  return state.steps[step.name] ?? { instruction: step.spec.instruction, demos: step.spec.demos };
}

function runtimeFor(step: CompiledStep, ctx: ExecContext) {
  return {
    lm: ctx.lmFor(step),
    temperature: ctx.temperature ?? step.spec.lm?.temperature ?? 0,
    maxTokens: step.spec.lm?.maxTokens ?? DEFAULT_MAX_TOKENS,
    sample: ctx.sample ?? 0,
    // A step once started ends (its calls are not cut off) unless the stop aborts work in flight too.
    ...(ctx.signal ? { signal: inFlightSignal(ctx.signal) } : {}),
  };
}

/** The raw completion a failure could not read, when it was one. */
function rawOf(err: unknown): string | undefined {
  return err instanceof ParseFailure || err instanceof PartialStepError ? err.raw : undefined;
}
