import { z } from "zod";

const count = z.number().finite().nonnegative();

/**
 * What an optimize run checkpoints after every step, as stored: read back through this schema, so a
 * damaged checkpoint is reported as such (naming the run) instead of failing somewhere in the resume.
 * The optimizer's own `state` is the optimizer's to read.
 */
export const checkpointSchema = z.object({
  v: z.literal(1),
  step: z.number().int().nonnegative(),
  state: z.unknown(),
  rng: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  budget: z.object({ calls: count, usd: count, rollouts: count, proposalCalls: count, elapsedMs: count }),
  baseline: z.object({ candidate: z.string(), score: z.number() }),
  spent: z.object({
    tokens: z.object({ promptTokens: count, completionTokens: count, cachedTokens: count }),
    costUsd: z.number().nullable(),
  }),
});

export type Checkpoint = z.infer<typeof checkpointSchema>;
