import { z } from "zod";
import { hashOf } from "../util/canonical.js";
import type { Demo, ProgramSpec } from "./types.js";

/** What optimization learns for one LM step. */
export interface StepState {
  instruction: string;
  demos: Demo[];
}

/**
 * A candidate program: instructions and demos per LM step. Plain JSON; its canonical hash (of
 * `steps` only — `meta` is provenance, not identity) names it everywhere.
 */
export interface ProgramState {
  steps: Record<string, StepState>;
  meta?: Record<string, unknown>;
}

/** The state a program starts from: what its file says. */
export function initialState(spec: ProgramSpec, lmSteps: readonly string[]): ProgramState {
  const steps: Record<string, StepState> = {};
  for (const step of spec.steps) {
    if (!lmSteps.includes(step.name)) continue;
    steps[step.name] = { instruction: step.instruction, demos: step.demos.map((d) => ({ ...d })) };
  }
  return { steps };
}

export function stateHash(state: ProgramState): string {
  return hashOf({ steps: state.steps });
}

/** Short form of a state hash for display. */
export function shortHash(hash: string): string {
  return hash.slice(0, 10);
}

/** A stored candidate's state, read back from the database (never cast). */
export const programStateSchema = z.object({
  steps: z.record(z.string(), z.object({ instruction: z.string(), demos: z.array(z.record(z.string(), z.unknown())) })),
  meta: z.record(z.string(), z.unknown()).optional(),
});
