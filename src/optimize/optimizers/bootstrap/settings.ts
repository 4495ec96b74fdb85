import { z } from "zod";

/**
 * What `bootstrap` and `random_search` share: how traces are collected and demos filled in, as the
 * program's `optimize.bootstrap:` / `optimize.random_search:` sections spell them. Why these
 * defaults: see the optimizers' comments.
 */
export const bootstrapShape = {
  max_bootstrapped: z.number().int().min(0).default(4).describe("traces of passing train examples kept as demos, per LM step"),
  // DSPy's max_labeled_demos, with its meaning: labeled demos of other train examples fill the
  // places bootstrapped ones leave.
  max_labeled: z.number().int().min(0).default(16).describe("demos per LM step in all: labeled demos fill what bootstrapped ones leave"),
  rounds: z.number().int().min(1).default(1).describe("passes over the train set; pass r > 0 re-tries the failed examples with teacher sample r"),
  threshold: z.number().min(0).max(1).default(1).describe("the score a teacher trace's example must reach for the trace to become a demo"),
};

export const bootstrapSettings = z.strictObject(bootstrapShape);

export type BootstrapSettings = z.output<typeof bootstrapSettings>;

/** Labeled demos to add to `bootstrapped` traced ones so a step has `max_labeled` demos in all. */
export function labeledFill(settings: BootstrapSettings, bootstrapped: number): number {
  return Math.max(0, settings.max_labeled - bootstrapped);
}
