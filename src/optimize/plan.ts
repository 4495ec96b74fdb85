import type { CompiledStep } from "../graph/types.js";
import { metricNodes } from "../program/metric-nodes.js";
import { isAgentStep } from "./demos.js";
import type { MetricSpec } from "../program/types.js";
import type { Program } from "../runtime/program.js";
import { UserError } from "../util/errors.js";
import type { BudgetLimits } from "./budget.js";
import { limitNamed, limitProblem, type LimitSources } from "./budget-setting.js";
import type { RunConfig, RunData } from "./run-config.js";
import { sequencePlan, type Split, type StageInput, type StageSetup } from "./budget-split.js";
import type { Plan } from "./types.js";

/** What a run's budget is measured against: the calls one example takes, and what the test evaluation keeps back. */
export interface RunShape {
  /** Nominal LM calls one evaluation of one example makes: the LM steps and the judges. */
  callsPerExample: number;
  /** LM calls kept back for the final test evaluation of the baseline and the best candidate … */
  reserve: number;
  /** … and rollouts (used only when there is a rollouts limit). */
  reserveRollouts: number;
}

export function runShape(program: Program, data: RunData): RunShape {
  const lmCalls = program.graph.steps.filter((s) => program.graph.lmSteps.includes(s.name)).reduce((n, s) => n + expectedCalls(s), 0);
  const callsPerExample = lmCalls + countJudges(program.spec.metric);
  const test = data.test?.length ?? 0;
  return { callsPerExample, reserve: 2 * test * callsPerExample, reserveRollouts: 2 * test };
}

/** The limits the optimizer's steps run under: what the test evaluation needs is kept back. */
export function optimizingLimits(limits: BudgetLimits, shape: RunShape): BudgetLimits {
  return {
    ...limits,
    ...(limits.calls !== undefined ? { calls: limits.calls - shape.reserve } : {}),
    ...(limits.rollouts !== undefined ? { rollouts: limits.rollouts - shape.reserveRollouts } : {}),
  };
}

/**
 * What the budget buys (the optimizer's plan); a new run (not one resumed) is refused when its
 * budget is too small for a single improvement step, and any run when it has a USD budget its
 * models' unknown prices cannot enforce.
 */
export function checkPlan(run: PlannedRun & { stages: readonly StageSetup[]; split: Split }, { resuming = false, sources = {} }: { resuming?: boolean; sources?: LimitSources } = {}): Plan {
  const { config, data, program, stages } = run;
  const { callsPerExample, reserve, reserveRollouts } = run.shape;
  const { limits } = config;
  const baselineCalls = data.dev.length * callsPerExample;
  const input = planInput(run);
  const optimizing = input.calls;
  const plan = stages.length === 1 ? stages[0]!.optimizer.plan({ ...input, settings: stages[0]!.settings }) : sequencePlan(stages, input, run.split);
  if (!resuming && limits.calls !== undefined && optimizing < plan.minimumCalls) {
    const needed = reserve + baselineCalls + plan.minimumCalls;
    const what = `${limits.calls} LM calls cannot buy a single ${config.optimizer} step here: scoring the baseline on dev takes ${baselineCalls}, the final test evaluation ${reserve}, and one step at least ${plan.minimumCalls}`;
    throw new UserError(limitProblem("calls", sources.calls, what, String(needed)));
  }
  if (!resuming && limits.rollouts !== undefined) {
    // The rollouts one step takes, from its least calls (an upper bound: proposal calls are no rollouts).
    const stepRollouts = Math.ceil(plan.minimumCalls / callsPerExample);
    const needed = reserveRollouts + data.dev.length + stepRollouts;
    if (limits.rollouts < needed) {
      const what = `${limits.rollouts} rollouts cannot buy a single ${config.optimizer} step here: scoring the baseline on dev takes ${data.dev.length}, the final test evaluation ${reserveRollouts}, and one step at least ${stepRollouts}`;
      throw new UserError(limitProblem("rollouts", sources.rollouts, what, String(needed)));
    }
  }
  if (limits.usd !== undefined && !program.costKnown()) {
    throw new UserError(limitNamed("usd", sources.usd, "the price of the model is unknown, so a USD budget cannot be enforced; add `lm.prices: { input, output }` to the program"));
  }
  return plan;
}

/**
 * LM calls one run of a step makes: one, or for an agent (a step that calls tools) a call per
 * iteration and the final extraction — counted at half its `max_iters` plus one, since an agent
 * mostly finishes well before its limit. Wrong either way only in how much the plan reserves.
 */
function expectedCalls(step: CompiledStep): number {
  if (!isAgentStep(step)) return 1;
  const prepared = step.prepared as { maxIters?: unknown } | undefined;
  const maxIters = typeof prepared?.maxIters === "number" ? prepared.maxIters : DEFAULT_AGENT_ITERS;
  return Math.ceil(maxIters / 2) + 1;
}

const DEFAULT_AGENT_ITERS = 6;

/** What a run's plan is made from. */
interface PlannedRun {
  config: RunConfig;
  data: RunData;
  shape: RunShape;
  program: Program;
}

/** What an optimizer plans with: the run's shape and data, and the LM calls left for optimizing after the baseline and test evaluations. */
export function planInput({ config, data, shape, program }: PlannedRun): StageInput {
  const { callsPerExample, reserve } = shape;
  const limit = config.limits.calls;
  return {
    callsPerExample,
    train: data.train.length,
    dev: data.dev.length,
    lmSteps: program.graph.lmSteps.length,
    calls: limit === undefined ? Infinity : limit - reserve - data.dev.length * callsPerExample,
  };
}

function countJudges(metric: MetricSpec): number {
  return metricNodes(metric).filter((n) => n.metric.kind === "llm_judge").length;
}
