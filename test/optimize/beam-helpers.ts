import path from "node:path";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import { Budget, type BudgetLimits, type BudgetUsage } from "../../src/optimize/budget.js";
import { beam } from "../../src/optimize/optimizers/beam.js";
import type { BeamSettings } from "../../src/optimize/optimizers/beam/settings.js";
import type { BeamState } from "../../src/optimize/optimizers/beam/state.js";
import { BudgetExhausted, type OptimizeContext, type Proposal, type ProposeArgs, type ScoreSet } from "../../src/optimize/types.js";
import type { Example } from "../../src/program/example.js";
import { stateHash, type ProgramState } from "../../src/program/state.js";
import { Rng, type RngState } from "../../src/util/rng.js";

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

/** What the fake context was asked to do, in order. */
export interface Log {
  evaluations: { candidate: string; instructions: Record<string, string>; dataset: string; ids: string[] }[];
  proposals: ProposeArgs[];
  events: { type: string; data: Record<string, unknown> }[];
  candidates: { hash: string; origin: string; parents: string[]; state: ProgramState }[];
}

export function instructionsOf(state: ProgramState): Record<string, string> {
  return Object.fromEntries(Object.entries(state.steps).map(([k, v]) => [k, v.instruction]));
}

/** The instruction of a state's only (or first) step. */
export function instructionOf(state: ProgramState, step?: string): string {
  return (step ? state.steps[step] : Object.values(state.steps)[0])!.instruction;
}

/**
 * An OptimizeContext over scripted scores. One LM call per LM step and example, one per proposal;
 * a real Budget, checked before work like the driver's evaluator (BudgetExhausted when an
 * evaluation or a proposal does not fit).
 */
export function fakeContext(script: Script): { ctx: OptimizeContext<BeamSettings>; log: Log; budget: Budget } {
  const log: Log = { evaluations: [], proposals: [], events: [], candidates: [] };
  const budget = new Budget(script.limits ?? {}, script.used, () => 0);
  const callsPerExample = script.program.graph.lmSteps.length;
  const byId = new Map([...script.train, ...script.dev].map((e) => [e.id, e]));
  const ctx: OptimizeContext<BeamSettings> = {
    graph: script.program.graph,
    baseline: script.program.state,
    trainset: script.train,
    devset: script.dev,
    rng: new Rng(script.rng ?? 1),
    settings: beam.settings.parse(script.settings ?? {}),
    budget,
    evaluate: async (state, exs, dataset) => {
      const reason = budget.exhausted();
      if (reason) throw new BudgetExhausted(reason);
      if (budget.limits.calls !== undefined && budget.used.calls + exs.length * callsPerExample > budget.limits.calls) throw new BudgetExhausted("LM calls");
      const candidate = stateHash(state);
      log.evaluations.push({ candidate, instructions: instructionsOf(state), dataset, ids: exs.map((e) => e.id) });
      const results: ExampleResult[] = exs.map((e, index) => ({
        exampleId: e.id,
        index,
        score: script.score(state, e, dataset),
        trace: [],
        usage: ZERO_USAGE,
        costUsd: 0,
        calls: callsPerExample,
        cachedCalls: 0,
        latencyMs: 0,
        nominal: { calls: callsPerExample, costUsd: 0 },
      }));
      for (const r of results) budget.chargeResult(r);
      const mean = results.length === 0 ? 0 : results.reduce((a, r) => a + r.score, 0) / results.length;
      const set: ScoreSet = { candidate, scores: new Map(results.map((r) => [r.exampleId, r.score])), mean, results };
      return set;
    },
    teacher: async () => {
      throw new Error("beam does not use the teacher");
    },
    propose: async (args) => {
      const reason = budget.exhausted();
      if (reason) throw new BudgetExhausted(reason);
      if (budget.limits.calls !== undefined && budget.used.calls + 1 > budget.limits.calls) throw new BudgetExhausted("LM calls");
      log.proposals.push(args);
      budget.used.calls += 1;
      budget.used.proposalCalls += 1;
      const answer = script.propose ? script.propose(args) : `${args.instruction} #${args.sample + 1}`;
      return typeof answer === "string" ? { ok: true, instruction: answer } : answer;
    },
    candidate: (state, origin, parents = []) => {
      const hash = stateHash(state);
      log.candidates.push({ hash, origin, parents, state });
      return hash;
    },
    event: (type, data) => {
      log.events.push({ type, data });
    },
    phase: () => {},
    notice: () => {},
    records: (results, exs, step) =>
      results.map((r) => {
        const e = (exs.get(r.exampleId) ?? byId.get(r.exampleId))!;
        return { inputs: e.inputs, score: r.score, feedback: `${step}: score ${r.score}` };
      }),
  };
  return { ctx, log, budget };
}

/** The baseline's dev ScoreSet, as the driver hands it to init (charged like the driver's). */
export function scoreBaseline(ctx: OptimizeContext): Promise<ScoreSet> {
  return ctx.evaluate(ctx.baseline, ctx.devset, "dev");
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
