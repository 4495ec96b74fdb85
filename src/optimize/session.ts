import type { RunResultRow } from "../store/evaluations-store.js";
import type { Store } from "../store/store.js";
import type { Example } from "../program/example.js";
import { fingerprints, type Fingerprints } from "../runtime/fingerprint.js";
import type { Program } from "../runtime/program.js";
import { failureText, formatProblem, isInterruption } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { Budget, type BudgetLimits, type BudgetUsage } from "./budget.js";
import { splitBudget, stageLimits, type Split, type StageSetup } from "./budget-split.js";
import { storedCheckpoint, type Checkpoint, type Finishing, type Optimizing, type StageOutcome } from "./checkpoint.js";
import { EventLog } from "./event-log.js";
import { finishRun } from "./finish.js";
import type { OptimizeHooks } from "./hooks.js";
import { checkPlan, optimizingLimits, planInput, runShape, type RunShape } from "./plan.js";
import type { LimitSources } from "./budget-setting.js";
import { OPTIMIZER_REGISTRY } from "./registry.js";
import { recordedSettings } from "./settings.js";
import type { OptimizeReport } from "./report.js";
import { loadRunData, type RunConfig, type RunData } from "./run-config.js";
import type { Spend } from "./spend.js";
import { optimizeStages } from "./stage-loop.js";
import type { Plan } from "./types.js";

/** Where a session records, what meters its calls, what stops it and whom it tells. */
export interface SessionEnv {
  store: Store;
  /** What the run's LM calls cost (the pool reports every paid call to it). */
  spend: Spend;
  signal: AbortSignal;
  hooks: OptimizeHooks;
}

/**
 * One process's share of a run: the loop that runs the optimizer's steps and checkpoints after
 * each, and what the loop, the optimizer's context (context.ts) and the finishing (finish.ts)
 * share — the run's data and store, and where the run is (step, candidates, scores, phase).
 */
export class Session {
  /** The run's optimizers in the order they run (one, or a sequence), each with its settings read with its schema. */
  readonly stages: readonly StageSetup[];
  /** How the budget is split across the stages (one stage: all of it). */
  readonly split: Split;
  readonly shape: RunShape;
  readonly events: EventLog;
  readonly store: Store;
  readonly spend: Spend;
  readonly signal: AbortSignal;
  readonly hooks: OptimizeHooks;
  /** The memo's fingerprints of the student, and (once it runs) of the teacher. */
  readonly fingerprints: { student: Fingerprints; teacher?: Fingerprints };
  /** Every candidate the run has recorded, this process's and earlier ones'. */
  readonly candidates = new Set<string>();
  step = 0;
  baselineScore = NaN;
  bestScore = NaN;
  private phase = "starting";
  /** What the optimizer told the user about the outcome (ctx.notice), for the report. */
  readonly notes: string[] = [];
  /** The budget progress lines count against (the optimizing one, then the whole one while finishing). */
  private budgetForProgress: Budget | undefined;

  private constructor(
    readonly runId: string,
    readonly program: Program,
    readonly config: RunConfig,
    readonly data: RunData,
    student: Fingerprints,
    env: SessionEnv,
  ) {
    ({ store: this.store, spend: this.spend, signal: this.signal, hooks: this.hooks } = env);
    this.events = new EventLog(this.store.runs, runId, this.hooks.onEvent);
    this.stages = config.stages.map((stage) => {
      const optimizer = OPTIMIZER_REGISTRY[stage.optimizer];
      return { name: stage.optimizer, optimizer, settings: recordedSettings(optimizer, stage.settings) };
    });
    this.shape = runShape(program, data);
    this.split = splitBudget(this.stages, planInput(this), config.split);
    this.fingerprints = { student };
  }

  /** The limits stage `k` runs under: its cumulative share of the optimizing budget (see budget-split.ts). */
  stageLimits(k: number): BudgetLimits {
    const dev = this.data.dev.length;
    return stageLimits(optimizingLimits(this.config.limits, this.shape), { calls: dev * this.shape.callsPerExample, rollouts: dev }, this.split, k);
  }

  static async create(runId: string, program: Program, config: RunConfig, env: SessionEnv): Promise<Session> {
    const { data, warnings } = await loadRunData(program, config);
    for (const warning of warnings) env.hooks.onNotice?.(formatProblem(warning));
    return new Session(runId, program, config, data, await fingerprints(program), env);
  }

  /** The plan for this budget; refuses one too small for a single improvement step (see `checkPlan`). */
  checkPlan(options: { resuming?: boolean; sources?: LimitSources } = {}): Plan {
    return checkPlan(this, options);
  }

  /** Runs (or, from a checkpoint, continues) the run to its end: optimizing, then finishing. */
  async run(plan: Plan, checkpoint: Optimizing | Finishing | undefined): Promise<OptimizeReport> {
    const { config, store, runId, shape } = this;
    const budget = new Budget(optimizingLimits(config.limits, shape), checkpoint?.budget);
    const rng = new Rng(checkpoint?.rng ?? config.seed);
    if (checkpoint) this.step = checkpoint.step;
    // What a killed process logged after the checkpoint is the start of what is done again now.
    this.events.resumeAfter(checkpoint?.events);
    this.spend.record((s) => store.runs.recordSpend(runId, { ...s.tokens, costUsd: s.costUsd }));
    for (const c of store.runs.candidates(runId)) this.candidates.add(c.hash);
    this.hooks.onStart?.({
      runId,
      optimizer: config.optimizer,
      plan,
      seed: config.seed,
      limits: config.limits,
      defaultBudget: config.defaultBudget === true,
      // What is kept back is shown only against a limit it is kept back from.
      reserve: config.limits.calls !== undefined ? shape.reserve : 0,
      reserveRollouts: config.limits.rollouts !== undefined ? shape.reserveRollouts : 0,
      train: this.data.train.length,
      dev: this.data.dev.length,
      test: this.data.test?.length ?? 0,
      resumed: checkpoint !== undefined || this.candidates.size > 0,
      fromStep: this.step,
      // The optimizer was done (or out of budget): only the test evaluation and the result are left.
      finishing: checkpoint?.phase === "finishing",
    });
    this.budgetForProgress = budget;
    try {
      const finishing = checkpoint?.phase === "finishing" ? checkpoint : await optimizeStages(this, budget, rng, checkpoint);
      return await finishRun(this, plan, finishing);
    } catch (err) {
      const interrupted = isInterruption(err);
      store.runs.update(runId, {
        status: interrupted ? "interrupted" : "failed",
        ...(interrupted ? {} : { error: failureText(err) }),
        totals: this.totals((this.budgetForProgress ?? budget).snapshot()),
      });
      await store.flush();
      throw err;
    }
  }

  /** What the optimizer is doing now, for progress lines. */
  setPhase(text: string): void {
    this.phase = text;
    if (this.budgetForProgress) this.progress(this.budgetForProgress);
  }

  /** From now on progress lines, and the totals of a run that fails, count against `budget` (finishing: the whole one). */
  countAgainst(budget: Budget): void {
    this.budgetForProgress = budget;
  }

  progress(budget: Budget): void {
    const pool = this.program.pool.stats();
    this.hooks.onProgress?.({
      phase: this.phase,
      step: this.step,
      candidates: this.candidates.size,
      baseline: this.baselineScore,
      best: this.bestScore,
      used: budget.snapshot(),
      limits: this.config.limits,
      costUsd: this.spend.total.costUsd,
      requests: pool.requests,
      rateLimited: pool.rateLimited,
    });
  }

  /** A candidate's results on a dataset as this run recorded them (after a flush), in the dataset's order. */
  recorded(candidate: string, examples: readonly Example[], dataset: string): RunResultRow[] {
    const byId = new Map(this.store.evaluations.results(this.runId, { candidate, dataset }).map((r) => [r.exampleId, r]));
    return examples.map((e) => byId.get(e.id)).filter((r): r is RunResultRow => r !== undefined);
  }

  /** Where the run is, for a checkpoint: the step, RNG and budget, the baseline, the stage (of a sequence), the event log's mark. */
  position(rng: Rng, budget: Budget, baseline: { candidate: string; score: number }, where: { stage: number; stages: readonly StageOutcome[] }) {
    return {
      step: this.step,
      rng: rng.state(),
      budget: budget.snapshot(),
      baseline: { ...baseline },
      ...(where.stage > 0 ? { stage: where.stage, stages: [...where.stages] } : {}),
      events: this.events.mark(),
    };
  }

  checkpoint(checkpoint: Checkpoint): void {
    this.store.runs.putCheckpoint(this.runId, this.step, storedCheckpoint(checkpoint));
    if (checkpoint.phase === "finished") return;
    this.store.runs.update(this.runId, { totals: this.totals(checkpoint.budget), ...(Number.isFinite(this.bestScore) ? { bestScore: this.bestScore } : {}) });
  }

  /** The run's totals as its row keeps them: the budget's counts, and what the calls cost (over every session). */
  totals(u: BudgetUsage) {
    const spent = this.spend.total;
    return {
      steps: this.step,
      candidates: this.candidates.size,
      calls: u.calls,
      proposalCalls: u.proposalCalls,
      rollouts: u.rollouts,
      promptTokens: spent.tokens.promptTokens,
      completionTokens: spent.tokens.completionTokens,
      cachedTokens: spent.tokens.cachedTokens,
      costUsd: spent.costUsd,
      nominalUsd: u.usd,
      wallMs: Math.round(u.elapsedMs),
    };
  }
}
