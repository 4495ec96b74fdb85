import { z } from "zod";

/**
 * A trace as the `evaluations.trace` column keeps it: the steps of one (candidate, example), each
 * with its LM calls (graph's StepTrace and lm's LMCallRecord, which the store does not import, as
 * written). Read leniently: fields added since the first traces are optional, unknown ones are
 * kept, so rows written by any dspx read.
 */
const usageSchema = z.object({ promptTokens: z.number(), completionTokens: z.number(), cachedTokens: z.number() });

export const storedCallSchema = z.looseObject({
  model: z.string(),
  adapter: z.string().optional(),
  purpose: z.string(),
  usage: usageSchema,
  costUsd: z.number().nullable(),
  cached: z.boolean(),
  nominalCostUsd: z.number().nullable().optional(),
  latencyMs: z.number(),
  /** The completion; absent when the evaluation was stored without traces (or gc dropped them). */
  text: z.string().optional(),
  parseError: z.string().optional(),
  toolCalls: z.array(z.unknown()).optional(),
  /** The blob listing the rendered messages; absent for calls stored before messages were kept, or without traces. */
  messagesHash: z.string().optional(),
});
export type StoredCall = z.infer<typeof storedCallSchema>;

export const storedStepSchema = z.looseObject({
  step: z.string(),
  module: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
  calls: z.array(storedCallSchema),
  /** An agent step's iterations (thought, tool, args, observation, error…); absent without traces. */
  trajectory: z.array(z.record(z.string(), z.unknown())).optional(),
  latencyMs: z.number(),
});
export type StoredStep = z.infer<typeof storedStepSchema>;

export const storedTraceSchema = z.array(storedStepSchema);

/**
 * SQL that rewrites a stored trace (the JSON text `column`) without what traces add to scores and
 * outputs: each call's completion, message list and tool calls, each step's trajectory (what
 * graph's `untraced` keeps in memory, for `gc`, which works on rows in place).
 */
export function untracedSql(column: string): string {
  return `(SELECT json_group_array(json_remove(json_set(s.value, '$.calls', json((SELECT json_group_array(json_remove(c.value, '$.text', '$.messagesHash', '$.toolCalls') ORDER BY c.key) FROM json_each(s.value, '$.calls') c))), '$.trajectory') ORDER BY s.key) FROM json_each(${column}) s)`;
}
