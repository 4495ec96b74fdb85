import type { z } from "zod";
import type { EvalReport, ExampleResult } from "../evaluate/types.js";
import type { FeedbackRecord, Grounding } from "../lm/types.js";
import type { Graph } from "../graph/types.js";
import type { Example } from "../program/example.js";
import type { ProgramState } from "../program/state.js";
import type { Rng } from "../util/rng.js";
import type { Budget } from "./budget.js";
import type { Summary } from "./summarize.js";

export const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa", "mipro"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** A candidate's scores on a set of examples, in the order of the examples. */
export interface ScoreSet {
  candidate: string;
  /** Score per example id. */
  scores: Map<string, number>;
  mean: number;
  results: ExampleResult[];
}

/** One LM step's view of an example the program ran: what reflection and demos are made from. */
export interface StepView {
  step: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** A request for a new instruction for one LM step (see OptimizeContext.propose). */
export interface ProposeArgs {
  step: string;
  instruction: string;
  records: FeedbackRecord[];
  purpose: "propose_instruction" | "reflect";
  /** Distinguishes repeated proposals of the same prompt (0: temperature 0). */
  sample: number;
  /** A grounded proposal (mipro): the program and dataset summaries and a tip are shown too. */
  grounding?: Grounding;
}

/** A request for one of the run's summaries (see optimize/summarize.ts). */
export interface SummarizeArgs {
  kind: "program" | "dataset";
  /** For the dataset summary: the examples shown. */
  examples?: readonly Example[];
}

export type { Summary };

/**
 * What a proposal gave: a new instruction, or — the LM's answer could not be read, in the chat
 * format nor in the json one tried next — why not. A failed proposal was paid for and is recorded
 * by the optimizer; it never ends a run.
 */
export type Proposal = { ok: true; instruction: string } | { ok: false; error: string };

/**
 * What the driver gives an optimizer: the program's compiled graph, its baseline state, the data,
 * and the evaluator and LMs to use. Everything an optimizer decides depends only on this and its state.
 */
export interface OptimizeContext<Settings = Record<string, unknown>> {
  /** The student program's compiled steps. */
  graph: Graph;
  /** The baseline: the file's instructions and demos. */
  baseline: ProgramState;
  trainset: readonly Example[];
  devset: readonly Example[];
  /** Seeded, checkpointed with the optimizer's state: the only source of randomness. */
  rng: Rng;
  /** The optimizer's settings, parsed with its schema (defaults filled in) from the program's `optimize.<name>:`. */
  settings: Settings;
  budget: Budget;
  /**
   * Scores a candidate on examples, concurrently, memoized in the store and linked to the run under
   * `dataset`. Throws BudgetExhausted when the budget runs out before every example was dispatched.
   */
  evaluate(state: ProgramState, examples: readonly Example[], dataset: string): Promise<ScoreSet>;
  /**
   * Runs the teacher (the program with the baseline state, or on --teacher-lm) on examples and
   * returns each example's result with its trace; `sample` > 0 samples at temperature 1.
   */
  teacher(examples: readonly Example[], options: { sample: number }): Promise<ExampleResult[]>;
  /**
   * Asks the reflection LM for a new instruction for a step, from records of what the program did
   * (inputs, outputs, gold and feedback). `sample` distinguishes repeated proposals. An answer
   * that cannot be read comes back as a failed Proposal (its calls charged), never as an error.
   */
  propose(args: ProposeArgs): Promise<Proposal>;
  /**
   * Asks the proposal LM for the program summary or a dataset summary (a proposal call: charged,
   * cached); an answer that cannot be read comes back as a failed Summary.
   */
  summarize(args: SummarizeArgs): Promise<Summary>;
  /** Records a candidate (once per state) with its parents and how it was made; returns its hash. */
  candidate(state: ProgramState, origin: string, parents?: string[]): string;
  /** Appends to the run's event log (proposal, accepted, rejected, merge, …). */
  event(type: string, data: Record<string, unknown>): void;
  /** For progress lines: what the optimizer is doing now. */
  phase(text: string): void;
  /** Something the user should know about the run's outcome (said at once, and in the report's `notes`). */
  notice(text: string): void;
  /** The feedback records of a step from results of a candidate (see optimize/feedback.ts). */
  records(results: readonly ExampleResult[], examples: ReadonlyMap<string, Example>, step: string): FeedbackRecord[];
}

/** What a plan says: the budget, what it buys, and the least budget worth running. */
export interface Plan {
  /** e.g. "≈ 40 GEPA iterations (each: 1 reflection call, 2 × 4-example minibatches, …)". */
  buys: string;
  /** The least LM-call budget for one improvement step (beyond the baseline and test evaluations). */
  minimumCalls: number;
  /** The most LM calls the optimizer can use, when its work is bounded (absent: as many as it is given). How a sequence splits its budget by default. */
  mostCalls?: number;
}

export interface PlanInput<Settings = Record<string, unknown>> {
  callsPerExample: number;
  train: number;
  dev: number;
  lmSteps: number;
  /** LM calls the budget leaves for optimizing (after baseline and test evaluations). */
  calls: number;
  settings: Settings;
}

/** The best candidate an optimizer has found so far. */
export interface Best {
  candidate: string;
  state: ProgramState;
  /** Its dev score. */
  score: number;
}

/**
 * An optimizer is a step machine over JSON state, so that a run can be checkpointed after every
 * step and resumed from the checkpoint (with anything re-run answered from the store).
 */
export interface Optimizer<State = unknown, Schema extends z.ZodObject = z.ZodObject> {
  readonly name: OptimizerName;
  /** One line for `dspx optimizers`: what it changes and how. */
  readonly description: string;
  /**
   * Its settings, as the program's `optimize.<name>:` section spells them: every key with a
   * `.default()` and a `.describe()`. `validate`, `optimize`, `dspx optimizers` and the README's
   * tables all come from this schema; the driver parses with it and hands the result over.
   */
  readonly settings: Schema;
  plan(input: PlanInput<z.output<Schema>>): Plan;
  /** The first state (the driver has already scored the baseline on dev: `baseline`). */
  init(ctx: OptimizeContext<z.output<Schema>>, baseline: ScoreSet): Promise<State>;
  /** One step; `done` when the optimizer has nothing more to do. */
  step(ctx: OptimizeContext<z.output<Schema>>, state: State): Promise<{ state: State; done: boolean }>;
  best(state: State): Best;
  /**
   * The iterations done, in the unit the plan counts (`≈ 2 beam iterations`), when that is not one
   * per step: a beam iteration takes a step per member expanded and one to select survivors.
   */
  iterations?(state: State): number;
  /** Why the optimizer stopped before a budget ran out, when it says (GEPA's patience: "no new candidates in 20 iterations"). */
  stopped?(state: State): string | undefined;
}

export { BudgetExhausted } from "./budget.js";

export type { EvalReport };
