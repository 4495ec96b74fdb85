import type { Graph } from "../../src/graph/types.js";
import type { Budget, BudgetLimits, BudgetUsage } from "../../src/optimize/budget.js";
import { gepa } from "../../src/optimize/optimizers/gepa.js";
import type { GepaSettings } from "../../src/optimize/optimizers/gepa/settings.js";
import type { OptimizeContext, Proposal, ProposeArgs } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import type { ProgramState } from "../../src/program/state.js";
import type { Rng } from "../../src/util/rng.js";
import { instructionsOf, optimizerContext, scoreBaseline, type ContextLog } from "../support/optimizer-context.js";

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

export type Log = ContextLog;
export { instructionsOf, scoreBaseline };

/**
 * The test context (test/support/optimizer-context.ts) for GEPA, over a program of only LM steps:
 * one LM call per (candidate, example) and one per reflection (the instruction with "+" unless scripted).
 */
export function fakeContext(script: Script): { ctx: OptimizeContext<GepaSettings>; log: Log; budget: Budget } {
  // GEPA reads only the names of the LM steps from the graph.
  const graph = { lmSteps: script.steps, steps: [] } as unknown as Graph;
  return optimizerContext({
    graph,
    baseline: script.baseline,
    train: script.train,
    dev: script.dev,
    settings: gepa.settings.parse(script.settings ?? {}),
    ...(script.rng ? { rng: script.rng } : {}),
    ...(script.limits ? { limits: script.limits } : {}),
    ...(script.used ? { used: script.used } : {}),
    callsPerExample: 1,
    score: (state, e, dataset) => script.score(state, e, dataset),
    propose: script.propose ?? ((args) => `${args.instruction}+`),
  });
}
