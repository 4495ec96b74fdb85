import path from "node:path";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import type { Budget, BudgetLimits, BudgetUsage } from "../../src/optimize/budget.js";
import { beam } from "../../src/optimize/optimizers/beam.js";
import type { BeamSettings } from "../../src/optimize/optimizers/beam/settings.js";
import type { BeamState } from "../../src/optimize/optimizers/beam/state.js";
import type { OptimizeContext, Proposal, ProposeArgs } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import type { ProgramState } from "../../src/program/state.js";
import type { RngState } from "../../src/util/rng.js";
import { instructionsOf, optimizerContext, scoreBaseline, type ContextLog } from "../support/optimizer-context.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** An example program, compiled (its graph is real; nothing is run on an LM). */
export async function exampleProgram(name: "support-triage" | "incident-triage"): Promise<Program> {
  return loadProgram(path.join(ROOT, "programs", `${name}.yaml`), { lm: "sim" });
}

/** n support-triage-shaped examples (`message` in, `team` and `urgency` as gold) with ids `<prefix>0…`. */
export function triageExamples(prefix: string, n: number): Example[] {
  const teams = ["billing", "technical", "account", "shipping"];
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    inputs: { message: `${prefix} message ${i} about ${teams[i % teams.length]}` },
    labels: { team: teams[i % teams.length], urgency: i % 3 === 0 ? "high" : "normal" },
  }));
}

/** n incident-triage-shaped examples (`report` in, `component` and `severity` as gold). */
export function incidentExamples(prefix: string, n: number): Example[] {
  const components = ["database", "network", "auth", "payments"];
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    inputs: { report: `${prefix} report ${i}: ${components[i % components.length]} trouble` },
    labels: { component: components[i % components.length], severity: `sev${(i % 4) + 1}` },
  }));
}

export interface Script {
  program: Program;
  train: Example[];
  dev: Example[];
  /** The scripted metric: a state's score on one example of a dataset ("train" or "dev"). */
  score(state: ProgramState, example: Example, dataset: string): number;
  /** What the proposal LM answers; default: the instruction with ` #<sample + 1>` appended (numbered rewrites). */
  propose?(args: ProposeArgs): string | Proposal;
  settings?: Record<string, unknown>;
  limits?: BudgetLimits;
  /** The budget's usage so far (a checkpoint's). */
  used?: BudgetUsage;
  /** The rng, or its checkpointed state (default: new Rng(1)). */
  rng?: RngState;
}

export type Log = ContextLog;
export { instructionsOf, scoreBaseline };

/** The instruction of a state's only (or first) step. */
export function instructionOf(state: ProgramState, step?: string): string {
  return (step ? state.steps[step] : Object.values(state.steps)[0])!.instruction;
}

/**
 * The test context (test/support/optimizer-context.ts) for beam: one LM call per LM step and
 * example, one per proposal (numbered rewrites unless scripted), feedback naming the step and score.
 */
export function fakeContext(script: Script): { ctx: OptimizeContext<BeamSettings>; log: Log; budget: Budget } {
  return optimizerContext({
    graph: script.program.graph,
    baseline: script.program.state,
    train: script.train,
    dev: script.dev,
    settings: beam.settings.parse(script.settings ?? {}),
    rng: script.rng ?? 1,
    ...(script.limits ? { limits: script.limits } : {}),
    ...(script.used ? { used: script.used } : {}),
    score: (state, e, dataset) => script.score(state, e, dataset),
    propose: script.propose ?? ((args) => `${args.instruction} #${args.sample + 1}`),
    feedback: (step, r) => `${step}: score ${r.score}`,
  });
}

/** Runs beam like the driver: init, then steps until done (or `maxSteps`), returning every state. */
export async function runBeam(ctx: OptimizeContext<BeamSettings>, options: { from?: BeamState; maxSteps?: number } = {}): Promise<{ state: BeamState; states: BeamState[]; done: boolean }> {
  let state = options.from ?? (await beam.init(ctx, await scoreBaseline(ctx)));
  const states: BeamState[] = [state];
  let done = false;
  for (let i = 0; i < (options.maxSteps ?? 1000) && !done; i++) {
    ({ state, done } = await beam.step(ctx, state));
    states.push(state);
  }
  return { state, states, done };
}
