import type { Graph } from "../../src/graph/types.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import { Budget, type BudgetLimits, type BudgetUsage } from "../../src/optimize/budget.js";
import { gepa } from "../../src/optimize/optimizers/gepa.js";
import type { GepaSettings } from "../../src/optimize/optimizers/gepa/settings.js";
import { BudgetExhausted, type OptimizeContext, type Proposal, type ProposeArgs, type ScoreSet } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { Rng } from "../../src/util/rng.js";

/** n examples with ids `<prefix>0` … `<prefix>{n-1}`. */
export function examples(prefix: string, n: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, inputs: { text: `${prefix} example ${i}` }, labels: {} }));
}

/** A state with these instructions (no demos). */
export function stateOf(instructions: Record<string, string>): ProgramState {
  const steps: ProgramState["steps"] = {};
  for (const [name, instruction] of Object.entries(instructions)) steps[name] = { instruction, demos: [] };
  return { steps };
}

export interface Script {
  /** The program's LM steps, in order. */
  steps: string[];
  baseline: ProgramState;
  train: Example[];
  dev: Example[];
  /** The score of a state on an example of a dataset: the scripted "metric". */
  score(state: ProgramState, example: Example, dataset: string): number;
  /** What reflection answers (default: the instruction with "+" appended). */
  propose?(args: ProposeArgs): string | Proposal;
  settings?: Record<string, unknown>;
  limits?: BudgetLimits;
  /** What the budget has already used (a resumed run's checkpoint). */
  used?: BudgetUsage;
  rng?: Rng;
}

/** Everything the fake context was asked to do, in order. */
export interface Log {
  evaluations: { instructions: Record<string, string>; dataset: string; ids: string[] }[];
  proposals: ProposeArgs[];
  events: { type: string; data: Record<string, unknown> }[];
  candidates: { hash: string; origin: string; parents: string[] }[];
}

export function instructionsOf(state: ProgramState): Record<string, string> {
  return Object.fromEntries(Object.entries(state.steps).map(([k, v]) => [k, v.instruction]));
}

/**
 * An OptimizeContext over scripted scores: one LM call per (candidate, example), one per
 * reflection, counted by a real Budget that refuses work that does not fit, like the driver's.
 */
export function fakeContext(script: Script): { ctx: OptimizeContext<GepaSettings>; log: Log; budget: Budget } {
  const log: Log = { evaluations: [], proposals: [], events: [], candidates: [] };
  const budget = new Budget(script.limits ?? {}, script.used, () => 0);
  const byId = new Map([...script.train, ...script.dev].map((e) => [e.id, e]));
  // GEPA reads only the names of the LM steps from the graph.
  const graph = { lmSteps: script.steps, steps: [] } as unknown as Graph;
  const ctx: OptimizeContext<GepaSettings> = {
    graph,
    baseline: script.baseline,
    trainset: script.train,
    devset: script.dev,
    rng: script.rng ?? new Rng(1),
    settings: gepa.settings.parse(script.settings ?? {}),
    budget,
    evaluate: async (state, exs, dataset) => {
      const reason = budget.exhausted();
      if (reason) throw new BudgetExhausted(reason);
      if (budget.limits.calls !== undefined && budget.used.calls + exs.length > budget.limits.calls) throw new BudgetExhausted("LM calls");
      log.evaluations.push({ instructions: instructionsOf(state), dataset, ids: exs.map((e) => e.id) });
      const results: ExampleResult[] = exs.map((e, index) => ({
        exampleId: e.id,
        index,
        score: script.score(state, e, dataset),
        trace: [],
        usage: ZERO_USAGE,
        costUsd: 0,
        calls: 1,
        cachedCalls: 0,
        latencyMs: 0,
        nominal: { calls: 1, costUsd: 0 },
      }));
      for (const r of results) budget.chargeResult(r);
      const mean = results.length === 0 ? 0 : results.reduce((a, r) => a + r.score, 0) / results.length;
      const set: ScoreSet = { candidate: stateHash(state), scores: new Map(results.map((r) => [r.exampleId, r.score])), mean, results };
      return set;
    },
    teacher: async () => {
      throw new Error("GEPA does not use the teacher");
    },
    propose: async (args) => {
      const reason = budget.exhausted();
      if (reason) throw new BudgetExhausted(reason);
      if (budget.limits.calls !== undefined && budget.used.calls + 1 > budget.limits.calls) throw new BudgetExhausted("LM calls");
      log.proposals.push(args);
      budget.used.calls += 1;
      budget.used.proposalCalls += 1;
      const answer = script.propose ? script.propose(args) : `${args.instruction}+`;
      return typeof answer === "string" ? { ok: true, instruction: answer } : answer;
    },
    candidate: (state, origin, parents = []) => {
      const hash = stateHash(state);
      log.candidates.push({ hash, origin, parents });
      return hash;
    },
    event: (type, data) => {
      log.events.push({ type, data });
    },
    phase: () => {},
    notice: () => {},
    records: (results, exs, _step) => results.map((r) => ({ inputs: (exs.get(r.exampleId) ?? byId.get(r.exampleId))!.inputs, score: r.score })),
  };
  return { ctx, log, budget };
}

/** The baseline's ScoreSet on dev, as the driver hands it to init. */
export async function scoreBaseline(ctx: OptimizeContext): Promise<ScoreSet> {
  return ctx.evaluate(ctx.baseline, ctx.devset, "dev");
}
