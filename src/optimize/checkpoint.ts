import { z } from "zod";
import type { BudgetUsage } from "./budget.js";
import { UserError } from "../util/errors.js";
import type { RngState } from "../util/rng.js";
import { programStateSchema, type ProgramState } from "../program/state.js";

/**
 * Where a run is, as its checkpoint records it, so that `dspx resume` takes it up at that point and
 * nowhere earlier:
 * - `optimizing`: after a step (the optimizer's state, RNG and budget as that step left them);
 * - `finishing`: the optimizer is done (or a budget ran out) and the run is scoring on test and
 *   writing its result; the optimizer's last state is kept, so no step runs again;
 * - `finished`: the run's report, written with the run marked done.
 *
 * `events` is the sequence number of the last event logged when the checkpoint was written: what a
 * killed process logged after it belongs to the work a resumed run does again (see EventLog).
 */
export type Checkpoint = Optimizing | Finishing | Finished;

/** How one stage of a sequence ended, and the best state it handed to the next. */
export interface StageOutcome {
  optimizer: string;
  ended: "done" | "budget";
  /** The budget that ran out (the stage's share, or the run's), or why the optimizer stopped. */
  reason?: string;
  /** Steps the stage took, and iterations when its optimizer counts them apart. */
  steps: number;
  iterations?: number;
  /** Its best candidate, with its dev score: where the next stage starts. */
  best: { candidate: string; state: ProgramState; score: number };
}

interface Position {
  step: number;
  /** The stage under way, of a sequence of optimizers (absent: the first, or the only one). */
  stage?: number;
  /** The stages done before it (absent: none). */
  stages?: StageOutcome[];
  rng: RngState;
  budget: BudgetUsage;
  /** The baseline's dev score (NaN when the budget ran out before it was scored). */
  baseline: { candidate: string; score: number };
  events?: number;
}

export interface Optimizing extends Position {
  phase: "optimizing";
  /** The stage's optimizer state after the step. */
  state: unknown;
}

export interface Finishing extends Position {
  phase: "finishing";
  /** The optimizer's last state; absent when the budget ran out before the optimizer started. */
  state?: unknown;
  ended: "done" | "budget";
  budgetReason?: string;
}

export interface Finished {
  phase: "finished";
  /** The OptimizeReport the run ended with, as JSON. */
  report: Record<string, unknown>;
}

const budgetUsage = z.object({
  calls: z.number(),
  usd: z.number(),
  rollouts: z.number(),
  proposalCalls: z.number(),
  elapsedMs: z.number(),
});

const u32 = z.number().int().min(0).max(0xffffffff);
const position = {
  step: z.number().int().min(0),
  rng: z.tuple([u32, u32, u32, u32]),
  budget: budgetUsage,
  // NaN is stored as null (JSON has no NaN).
  baseline: z.object({ candidate: z.string(), score: z.number().nullable().transform((s) => s ?? NaN) }),
  events: z.number().int().optional(),
  stage: z.number().int().min(0).optional(),
  stages: z
    .array(
      z.object({
        optimizer: z.string(),
        ended: z.enum(["done", "budget"]),
        reason: z.string().optional(),
        steps: z.number().int().min(0),
        iterations: z.number().optional(),
        best: z.object({ candidate: z.string(), state: programStateSchema, score: z.number().nullable().transform((s) => s ?? NaN) }),
      }),
    )
    .optional(),
};

const v2 = z.discriminatedUnion("phase", [
  z.object({ v: z.literal(2), phase: z.literal("optimizing"), state: z.unknown(), ...position }),
  z.object({
    v: z.literal(2),
    phase: z.literal("finishing"),
    state: z.unknown().optional(),
    ended: z.enum(["done", "budget"]),
    budgetReason: z.string().optional(),
    ...position,
  }),
  z.object({ v: z.literal(2), phase: z.literal("finished"), report: z.record(z.string(), z.unknown()) }),
]);
// Version 1: written after every step only (its `spent` is no longer read: a run's spend lives in its totals).
const v1 = z.object({ v: z.literal(1), state: z.unknown(), ...position }).transform((c) => ({ ...c, v: 2 as const, phase: "optimizing" as const }));
const stored = z.discriminatedUnion("v", [v1, v2]);

/** A stored checkpoint (any version), read as the current one. */
export const checkpointSchema: z.ZodType<Checkpoint> = stored.transform(({ v: _v, ...checkpoint }) => checkpoint as Checkpoint);

/** Reads a stored checkpoint (any version), or says what is wrong with it. */
export function readCheckpoint(runId: string, json: unknown): Checkpoint {
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`run ${runId}: its checkpoint cannot be read (${issue ? `${issue.path.join(".") || "checkpoint"}: ${issue.message}` : "unknown shape"}), so it cannot be resumed; start a new run`);
  }
  return parsed.data;
}

/** The checkpoint as stored (versioned). */
export function storedCheckpoint(checkpoint: Checkpoint): Record<string, unknown> {
  return { v: 2, ...checkpoint };
}
