import type { Demo } from "../../../program/types.js";
import type { Best } from "../../types.js";
import type { CandidatePlan } from "../bootstrap/candidate.js";
import type { Collection, TeacherMemo } from "../bootstrap/collect.js";

/** The options of one LM step: index 0 of each is the program's own (the baseline). Duplicates are left out. */
export interface StepChoices {
  instructions: string[];
  /** Where each instruction came from ("program", or the tip it was proposed with). */
  instructionTips: string[];
  demos: Demo[][];
  /** What each demo set is ("the program's demos", "labeled only", "bootstrapped #2 …"). */
  demoLabels: string[];
}

/** One trial of the search: a configuration (instruction and demo-set index per LM step) and what it scored. */
export interface TrialRecord {
  config: number[];
  candidate: string;
  /** Minibatch mean (the baseline's: its dev mean). */
  value: number;
  /** Score per dev example scored so far (the minibatch; the whole dev sample once fully evaluated). */
  scores: Record<string, number>;
  /** Mean over the dev sample, once fully evaluated. */
  full?: number;
  /** A configuration tried before: the trial it was answered from (no example scored again). */
  repeatOf?: number;
}

/**
 * Everything mipro knows between steps. Plain JSON, so the checkpoint is the state itself; with
 * the run's RNG (checkpointed by the driver) it is the whole TPE state.
 */
export interface MiproState {
  v: 1;
  phase: "demos" | "summaries" | "proposals" | "search" | "done";
  /** Nominal LM calls per evaluated example, measured on the baseline. */
  callsPerExample: number;
  lmSteps: string[];
  /** The preset applied: candidates per step, trials after the baseline. */
  candidates: number;
  trials: number;
  /** Ids of the dev examples the search uses (all of dev, or a seeded sample of `max_dev`), in dev order. */
  valset: string[];
  baseline: Best;
  /** The best fully evaluated configuration (the baseline at first). */
  best: Best;
  /** Demo phase: the sets to collect, the next one, the collection under way, the teacher memo. */
  queue: CandidatePlan[];
  next: number;
  collection?: Collection;
  memo: TeacherMemo;
  /** Demo sets collected, in queue order, per LM step (before duplicates are dropped). */
  demoSets: { label: string; demos: Record<string, Demo[]>; bootstrapped: Record<string, number> }[];
  summaries?: { program: string; dataset: string };
  /** Proposal phase: the index (in lmSteps) of the next step to propose for. */
  proposing: number;
  choices: Record<string, StepChoices>;
  history: TrialRecord[];
  /** A full evaluation is due before the next trial. */
  fullDue: boolean;
  fullEvals: number;
  stopped?: string;
}
