import { z } from "zod";
import type { DatasetScore } from "../evaluate/dataset-score.js";
import type { Usage } from "../lm/types.js";
import { programStateSchema, type ProgramState } from "../program/state.js";
import type { BudgetUsage } from "./budget.js";
import type { PaidHere } from "./spend.js";
import type { Plan } from "./types.js";

/** How one stage of a sequence ended and what it found. */
export interface StageReport {
  optimizer: string;
  ended: "done" | "budget";
  /** The budget that ran out (its share, or the run's), or why the optimizer stopped. */
  reason?: string;
  steps: number;
  iterations?: number;
  /** Its best candidate and that candidate's dev score: where the next stage started. */
  best: string;
  dev: number;
}

export interface OptimizeReport {
  runId: string;
  /** The optimizer, or the sequence (`bootstrap,gepa`). */
  optimizer: string;
  /** For a sequence: each stage in order (the last one's ending is the run's). */
  stages?: StageReport[];
  /** Why the run ended: the optimizer was done, or a budget ran out. */
  ended: "done" | "budget";
  budgetReason?: string;
  /** Why the optimizer stopped before a budget ran out, when it said (e.g. "no new candidates in 20 iterations"). */
  doneReason?: string;
  plan: Plan;
  baseline: { candidate: string; dev: DatasetScore; test?: DatasetScore };
  best: { candidate: string; state: ProgramState; dev: DatasetScore; test?: DatasetScore };
  /** Why there is no test score although the program has a test split: the budget (time or USD) that ran out. */
  testSkipped?: string;
  /**
   * Set when the budget ran out while the baseline was being scored on dev: only `scored` of the
   * `of` dev examples were, so the baseline's (and best's, the same) dev score covers only those,
   * and no candidate was tried.
   */
  baselinePartial?: { scored: number; of: number };
  candidates: number;
  steps: number;
  /** Iterations in the unit the plan counts, for optimizers that take several steps per iteration (beam). */
  iterations?: number;
  /** What the user should know about the outcome, said as the run went (e.g. bootstrap kept no trace). */
  notes?: string[];
  usage: BudgetUsage;
  /** Tokens and cost of the run's LM calls over all its sessions: what an uninterrupted run reports. */
  tokens: Usage;
  costUsd: number | null;
  /**
   * What the process that finished the run sent and paid itself, beside `usage` (what the budget
   * counted, nominally): less than the run's total once it was resumed, or answered from the cache
   * and the store. Reports kept before these counts were recorded have only tokens and cost.
   */
  thisProcess: { tokens: Usage; costUsd: number | null } & Partial<Omit<PaidHere, "tokens" | "costUsd">>;
  elapsedMs: number;
}

// JSON has no NaN: a mean of nothing is stored as null.
const mean = z.number().nullable().transform((x) => x ?? NaN);
const datasetScore = z.object({ n: z.number(), mean, ci95: z.tuple([mean, mean]), errors: z.number() });
const usage = z.object({ promptTokens: z.number(), completionTokens: z.number(), cachedTokens: z.number() });

/** A sequence's stages as a report (and the run's totals) keep them. */
export const stagesSchema = z.array(
  z.object({
    optimizer: z.string(),
    ended: z.enum(["done", "budget"]),
    reason: z.string().optional(),
    steps: z.number(),
    iterations: z.number().optional(),
    best: z.string(),
    dev: mean,
  }),
);

const reportSchema = z.object({
  runId: z.string(),
  optimizer: z.string(),
  stages: stagesSchema.optional(),
  ended: z.enum(["done", "budget"]),
  budgetReason: z.string().optional(),
  doneReason: z.string().optional(),
  plan: z.object({ buys: z.string(), minimumCalls: z.number(), mostCalls: z.number().optional() }),
  baseline: z.object({ candidate: z.string(), dev: datasetScore, test: datasetScore.optional() }),
  best: z.object({ candidate: z.string(), state: programStateSchema, dev: datasetScore, test: datasetScore.optional() }),
  testSkipped: z.string().optional(),
  baselinePartial: z.object({ scored: z.number(), of: z.number() }).optional(),
  candidates: z.number(),
  steps: z.number(),
  iterations: z.number().optional(),
  notes: z.array(z.string()).optional(),
  usage: z.object({ calls: z.number(), usd: z.number(), rollouts: z.number(), proposalCalls: z.number(), elapsedMs: z.number() }),
  tokens: usage,
  costUsd: z.number().nullable(),
  thisProcess: z.object({
    tokens: usage,
    costUsd: z.number().nullable(),
    requests: z.number().optional(),
    calls: z.number().optional(),
    cachedCalls: z.number().optional(),
    storedResults: z.number().optional(),
    toolCalls: z.number().optional(),
    replayedToolCalls: z.number().optional(),
  }),
  elapsedMs: z.number(),
}) satisfies z.ZodType<OptimizeReport, unknown>;

/** A finished run's report as its checkpoint stored it; undefined when it cannot be read. */
export function readReport(json: unknown): OptimizeReport | undefined {
  const parsed = reportSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
