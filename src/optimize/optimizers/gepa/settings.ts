import { z } from "zod";

/** GEPA's settings: the program's `optimize.gepa:` section. */
export const gepaSettings = z.strictObject({
  // The paper uses 3 with a large reflection LM. 16 shows the reflection LM several failures of
  // each kind, so it can tell the clues of a label from one message's incidental words (sim, a
  // lexical learner, generalises about twice as well from 16 as from 4), and the gate (2 × 16
  // rollouts) still costs less than the dev evaluation it guards.
  minibatch: z.number().int().min(1).default(16).describe("train examples per reflective mutation: what reflection is shown and the child is judged on"),
  merges: z.number().int().min(0).default(5).describe("merges (system-aware crossover) attempted at most; 0 turns merging off"),
  merge_subsample: z.number().int().min(1).default(8).describe("dev examples a merge is first judged on (where its parents differ)"),
  iterations: z.number().int().min(0).default(0).describe("stop after this many iterations; 0: when the budget runs out"),
  // On sim a stuck run ran 1,133 of 1,138 iterations with nothing new; a run that still finds
  // children has a new one every few iterations, so 20 in a row without one means it is stuck.
  patience: z
    .number()
    .int()
    .min(0)
    .default(20)
    .describe("stop after this many iterations in a row without a new candidate (reflection unchanged or already in the pool, nothing to reflect on, or unreadable); 0: never"),
});

export type GepaSettings = z.output<typeof gepaSettings>;
