import type { BudgetLimits, BudgetUsage } from "./budget.js";
import type { Plan } from "./types.js";

/** What a progress line shows of a run, after every result and phase change. */
export interface OptimizeProgress {
  phase: string;
  step: number;
  candidates: number;
  baseline: number;
  best: number;
  used: BudgetUsage;
  limits: BudgetLimits;
  costUsd: number | null;
  /** Requests sent to providers and 429s received this session (all endpoints). */
  requests: number;
  rateLimited: number;
}

/** A run as it starts: its plan and what it will work on. */
export interface OptimizeStart {
  runId: string;
  /** The optimizer, or the sequence (`bootstrap,gepa`). */
  optimizer: string;
  plan: Plan;
  seed: number;
  limits: BudgetLimits;
  defaultBudget: boolean;
  reserve: number;
  reserveRollouts: number;
  train: number;
  dev: number;
  test: number;
  resumed: boolean;
  fromStep: number;
  finishing: boolean;
}

/** How a caller follows a run (the library never prints: the CLI renders these). */
export interface OptimizeHooks {
  /** The run exists (its id is known) and the plan is made; nothing has been spent yet. */
  onStart?: (info: OptimizeStart) => void;
  /** The run could not start (a provider that cannot be used): it is recorded as failed under this id. */
  onFailedToStart?: (runId: string) => void;
  onProgress?: (progress: OptimizeProgress) => void;
  onEvent?: (type: string, data: Record<string, unknown>) => void;
  /** A notice for the user, e.g. that no LM is configured and `sim` runs. */
  onNotice?: (message: string) => void;
}
