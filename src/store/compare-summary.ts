import { z } from "zod";

/**
 * What a finished compare run concluded, as its `totals.compare` keeps it (read through this schema
 * with the rest of the totals): the paired difference of B over A with its bootstrap 95% CI, the
 * examples that changed each way, and the sign tests — the figures `dspx compare` printed.
 */
export const compareSummarySchema = z.object({
  /** Examples both sides scored. */
  n: z.number(),
  meanA: z.number(),
  meanB: z.number(),
  /** mean(b − a) and its paired-bootstrap 95% CI. */
  diff: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  bootstrap: z.object({ resamples: z.number(), seed: z.number() }),
  /** Examples B scored higher on, lower on, and the same. */
  improved: z.number(),
  regressed: z.number(),
  ties: z.number(),
  /** The exact two-sided sign test over the examples that changed (for a 0/1 metric, the exact test's p). */
  signTestP: z.number(),
  /** For 0/1 metrics only: the exact (McNemar) test on the examples only one side got right. */
  exact: z.object({ aOnly: z.number(), bOnly: z.number(), pValue: z.number() }).optional(),
  /** Whether both sides ran on the same models and endpoints. */
  sameModels: z.boolean(),
});
export type CompareSummary = z.infer<typeof compareSummarySchema>;
