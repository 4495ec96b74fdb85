import { z } from "zod";
import type { LmCallView, StepTraceView } from "../api-types.js";
import { readStoredJson } from "../../store/stored-json.js";

/** An LM call of a step as the trace records it (LMCallRecord); fields the viewer does not show are let through. */
const callSchema = z.looseObject({
  model: z.string(),
  purpose: z.string(),
  usage: z.looseObject({ promptTokens: z.number(), completionTokens: z.number() }),
  costUsd: z.number().nullable(),
  cached: z.boolean(),
  latencyMs: z.number(),
  text: z.string(),
  parseError: z.string().optional(),
  /** The content hash of the rendered messages, where traces keep them. */
  messagesHash: z.string().optional(),
});

const stepSchema = z.looseObject({
  step: z.string(),
  module: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  calls: z.array(callSchema),
  trajectory: z.array(z.unknown()).optional(),
  latencyMs: z.number(),
});

const traceSchema = z.array(stepSchema);

/** Messages by content hash: where the trace store keeps them (undefined when it has none). */
export type MessagesLookup = (hash: string) => { role: string; content: string }[] | undefined;

/** A stored trace as the API shows it; a trace that does not read is shown as no steps, with why. */
export function traceView(text: unknown, messages: MessagesLookup): { steps: StepTraceView[]; problem?: string } {
  const read = readStoredJson(text, traceSchema);
  if (!read.ok) return { steps: [], problem: `its trace ${read.problem}` };
  return {
    steps: read.value.map((s) => ({
      step: s.step,
      module: s.module,
      inputs: s.inputs,
      outputs: s.outputs ?? null,
      error: s.error ?? null,
      latencyMs: s.latencyMs,
      calls: s.calls.map((c): LmCallView => ({
        model: c.model,
        purpose: c.purpose,
        messagesHash: c.messagesHash ?? null,
        messages: c.messagesHash ? (messages(c.messagesHash) ?? null) : null,
        completion: c.text,
        parseError: c.parseError ?? null,
        cached: c.cached,
        promptTokens: c.usage.promptTokens,
        completionTokens: c.usage.completionTokens,
        costUsd: c.costUsd,
        latencyMs: c.latencyMs,
      })),
      trajectory: s.trajectory ?? null,
    })),
  };
}
