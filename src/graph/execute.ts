import { ParseFailure } from "../adapters/predict.js";
import type { LMClient } from "../lm/types.js";
import type { ProgramState, StepState } from "../program/state.js";
import type { Ref } from "../program/types.js";
import { InterruptedError, ProviderError } from "../util/errors.js";
import type { Prediction, StepTrace, Trace } from "./trace.js";
import type { CompiledStep, Graph } from "./types.js";

export interface ExecContext {
  /** The client an LM step runs on. */
  lmFor(step: CompiledStep): LMClient;
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

/** Errors that must stop the whole command rather than mark one example. */
export function isFatal(err: unknown): boolean {
  return err instanceof ProviderError || err instanceof InterruptedError || (err instanceof Error && err.name === "AbortError");
}

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
  const running = new Map<string, Promise<Record<string, unknown>>>();
  const resolve = (ref: Ref, values: Map<string, Record<string, unknown>>) =>
    ref.kind === "input" ? inputs[ref.field] : values.get(ref.step)?.[ref.field];

  const outputsOf = new Map<string, Record<string, unknown>>();
  const start = (step: CompiledStep): Promise<Record<string, unknown>> => {
    const existing = running.get(step.name);
    if (existing) return existing;
    const promise = (async () => {
      await Promise.all(step.deps.map((d) => start(graph.steps.find((s) => s.name === d)!)));
      if (ctx.signal?.aborted) throw new InterruptedError();
      const stepInputs: Record<string, unknown> = {};
      for (const field of step.signature.inputs) stepInputs[field.name] = resolve(step.sources[field.name]!, outputsOf);
      const trace: StepTrace = { step: step.name, module: step.module.name, inputs: stepInputs, calls: [], latencyMs: 0 };
      traces.set(step.name, trace);
      const began = performance.now();
      try {
        const outcome = await step.module.run({
          step: step.name,
          signature: step.signature,
          prepared: step.prepared,
          state: stateOf(state, step),
          inputs: stepInputs,
          ...(step.module.usesLM ? { runtime: runtimeFor(step, ctx) } : {}),
        });
        trace.outputs = outcome.outputs;
        trace.calls = outcome.calls;
        outputsOf.set(step.name, outcome.outputs);
        return outcome.outputs;
      } catch (err) {
        if (err instanceof ParseFailure) trace.calls = err.calls;
        trace.error = (err as Error).message;
        throw err;
      } finally {
        trace.latencyMs = performance.now() - began;
      }
    })();
    running.set(step.name, promise);
    return promise;
  };

  const settled = await Promise.allSettled(graph.steps.map(start));
  const trace = graph.steps.flatMap((s) => (traces.has(s.name) ? [traces.get(s.name)!] : []));
  const failedAt = settled.findIndex((r) => r.status === "rejected");
  if (failedAt >= 0) {
    // Report the earliest failure in graph order; a fatal one anywhere wins.
    const reasons = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    const fatal = reasons.find(isFatal);
    if (fatal) throw fatal;
    const failing = graph.steps.find((s) => traces.get(s.name)?.error !== undefined) ?? graph.steps[failedAt]!;
    const reason = (settled[graph.steps.indexOf(failing)] as PromiseRejectedResult | undefined)?.reason ?? reasons[0];
    const raw = reason instanceof ParseFailure ? reason.raw : undefined;
    throw new StepFailure(failing.name, (reason as Error)?.message ?? String(reason), trace, raw);
  }
  const outputs: Record<string, unknown> = {};
  for (const out of graph.outputs) outputs[out.name] = resolve(out.ref, outputsOf);
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
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}
