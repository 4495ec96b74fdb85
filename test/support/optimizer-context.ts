import type { Graph } from "../../src/graph/types.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import { Budget, BudgetExhausted, type BudgetLimits, type BudgetUsage } from "../../src/optimize/budget.js";
import type { OptimizeContext, Proposal, ProposeArgs, ScoreSet, SummarizeArgs, Summary } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { Rng, type RngState } from "../../src/util/rng.js";

/** Everything an optimizer asked its context for, in order. */
export interface ContextLog {
  evaluations: { candidate: string; state: ProgramState; instructions: Record<string, string>; dataset: string; ids: string[] }[];
  teacher: { ids: string[]; sample: number }[];
  proposals: ProposeArgs[];
  summaries: SummarizeArgs[];
  candidates: { hash: string; origin: string; parents: string[]; state: ProgramState }[];
  events: { type: string; data: Record<string, unknown> }[];
  phases: string[];
  /** What the optimizer told the user (`ctx.notice`). */
  notices: string[];
}

export function emptyLog(): ContextLog {
  return { evaluations: [], teacher: [], proposals: [], summaries: [], candidates: [], events: [], phases: [], notices: [] };
}

export interface ContextScript<S> {
  /** The student's compiled steps (its LM steps are what an evaluation pays for). */
  graph: Graph;
  /** The baseline state: the file's instructions and demos. */
  baseline: ProgramState;
  train: readonly Example[];
  dev: readonly Example[];
  /** The optimizer's settings, already parsed with its schema. */
  settings: S;
  /** The rng: one to use, a seed, or a checkpointed state (default: a fresh `new Rng(1)`). */
  rng?: Rng | number | RngState;
  /** A real Budget's limits and the usage it starts from (a checkpoint's); default: no limits. */
  limits?: BudgetLimits;
  used?: BudgetUsage;
  /** LM calls one example costs in an evaluation (default: one per LM step of the program). */
  callsPerExample?: number;
  /** The scripted metric: a state's score on an example (default 0.5); `evaluation` counts evaluations so far. */
  score?(state: ProgramState, example: Example, dataset: string, evaluation: number): number;
  /** The teacher's result on one example (default: the optimizer must not ask for one). */
  teacher?(example: Example, index: number, sample: number): ExampleResult;
  /** What a proposal LM answers (default: the optimizer must not ask for one). One LM call each. */
  propose?(args: ProposeArgs): string | Proposal;
  /** What the proposal LM answers a summary request (default: the optimizer must not ask for one). One LM call each. */
  summarize?(args: SummarizeArgs): string | Summary;
  /** The feedback of a record (default: none). */
  feedback?(step: string, result: ExampleResult): string;
  /** Evaluations (or teacher runs) allowed before the next one throws BudgetExhausted, whatever the budget. */
  maxEvaluations?: number;
  maxTeacherRuns?: number;
  /** A log to append to (one log across the contexts of a run "resumed" step by step). */
  log?: ContextLog;
}

export function instructionsOf(state: ProgramState): Record<string, string> {
  return Object.fromEntries(Object.entries(state.steps).map(([k, v]) => [k, v.instruction]));
}

/** A result of `calls` LM calls that cost nothing and took no time. */
function result(example: Example, index: number, score: number, calls: number): ExampleResult {
  return { exampleId: example.id, index, score, trace: [], usage: ZERO_USAGE, costUsd: 0, calls, cachedCalls: 0, latencyMs: 0, nominal: { calls, costUsd: 0 } };
}

/**
 * The one optimizer context of the tests: a real compiled program, scripted scores, teacher and
 * proposals, and a real Budget that refuses work that does not fit before it starts, as the
 * driver's evaluator does (BudgetExhausted). Everything the optimizer asked for is logged.
 */
export function optimizerContext<S>(script: ContextScript<S>): { ctx: OptimizeContext<S>; log: ContextLog; budget: Budget } {
  const log = script.log ?? emptyLog();
  const budget = new Budget(script.limits ?? {}, script.used, () => 0);
  const perExample = script.callsPerExample ?? script.graph.lmSteps.length;
  const byId = new Map([...script.train, ...script.dev].map((e) => [e.id, e]));
  const ctx: OptimizeContext<S> = {
    graph: script.graph,
    baseline: script.baseline,
    trainset: script.train,
    devset: script.dev,
    rng: script.rng instanceof Rng ? script.rng : new Rng(script.rng ?? 1),
    settings: script.settings,
    budget,
    evaluate: async (state, examples, dataset) => {
      if (script.maxEvaluations !== undefined && log.evaluations.length >= script.maxEvaluations) throw new BudgetExhausted("LM calls");
      budget.ensure({ calls: examples.length * perExample });
      const candidate = stateHash(state);
      const evaluation = log.evaluations.length;
      log.evaluations.push({ candidate, state: structuredClone(state), instructions: instructionsOf(state), dataset, ids: examples.map((e) => e.id) });
      const results = examples.map((e, i) => result(e, i, script.score ? script.score(state, e, dataset, evaluation) : 0.5, perExample));
      for (const r of results) budget.chargeResult(r);
      const mean = results.length === 0 ? 0 : results.reduce((a, r) => a + r.score, 0) / results.length;
      const set: ScoreSet = { candidate, scores: new Map(results.map((r) => [r.exampleId, r.score])), mean, results };
      return set;
    },
    teacher: async (examples, { sample }) => {
      if (!script.teacher) throw new Error("this optimizer does not use the teacher");
      if (script.maxTeacherRuns !== undefined && log.teacher.length >= script.maxTeacherRuns) throw new BudgetExhausted("LM calls");
      log.teacher.push({ ids: examples.map((e) => e.id), sample });
      return examples.map((e, i) => script.teacher!(e, i, sample));
    },
    propose: async (args) => {
      if (!script.propose) throw new Error("this optimizer never proposes instructions");
      budget.ensure({ calls: 1 });
      log.proposals.push(args);
      budget.used.calls += 1;
      budget.used.proposalCalls += 1;
      const answer = script.propose(args);
      return typeof answer === "string" ? { ok: true, instruction: answer } : answer;
    },
    summarize: async (args) => {
      if (!script.summarize) throw new Error("this optimizer never asks for summaries");
      budget.ensure({ calls: 1 });
      log.summaries.push({ kind: args.kind, ...(args.examples ? { examples: [...args.examples] } : {}) });
      budget.used.calls += 1;
      budget.used.proposalCalls += 1;
      const answer = script.summarize(args);
      return typeof answer === "string" ? { ok: true, text: answer } : answer;
    },
    candidate: (state, origin, parents = []) => {
      const hash = stateHash(state);
      log.candidates.push({ hash, origin, parents, state: structuredClone(state) });
      return hash;
    },
    event: (type, data) => {
      log.events.push({ type, data: structuredClone(data) });
    },
    phase: (text) => {
      log.phases.push(text);
    },
    notice: (text) => {
      log.notices.push(text);
    },
    records: (results, examples, step) =>
      results.map((r) => {
        const e = (examples.get(r.exampleId) ?? byId.get(r.exampleId))!;
        return { inputs: e.inputs, score: r.score, ...(script.feedback ? { feedback: script.feedback(step, r) } : {}) };
      }),
  };
  return { ctx, log, budget };
}

/** The baseline's dev ScoreSet, as the driver hands it to init (scored, and charged, like the driver's). */
export function scoreBaseline(ctx: OptimizeContext): Promise<ScoreSet> {
  return ctx.evaluate(ctx.baseline, ctx.devset, "dev");
}
