import type { RunResultRow } from "../store/evaluations-store.js";
import type { Store } from "../store/store.js";
import type { Example } from "../program/example.js";
import { fingerprints, type Fingerprints } from "../runtime/fingerprint.js";
import type { Program } from "../runtime/program.js";
import { failureText, formatProblem, InterruptedError, isInterruption } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { Budget, BudgetExhausted, type BudgetUsage } from "./budget.js";
import { storedCheckpoint, type Checkpoint, type Finishing, type Optimizing } from "./checkpoint.js";
import { optimizeContext } from "./context.js";
import { EventLog } from "./event-log.js";
import { finishRun } from "./finish.js";
import type { OptimizeHooks } from "./hooks.js";
import { checkPlan, optimizingLimits, runShape, type RunShape } from "./plan.js";
import type { LimitSources } from "./budget-setting.js";
import { OPTIMIZER_REGISTRY } from "./registry.js";
import { recordedSettings } from "./settings.js";
import type { OptimizeReport } from "./report.js";
import { loadRunData, type RunConfig, type RunData } from "./run-config.js";
import type { Spend } from "./spend.js";
import type { Optimizer, Plan } from "./types.js";

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
  readonly optimizer: Optimizer;
  /** The run's optimizer settings, read with the optimizer's schema. */
  readonly settings: Record<string, unknown>;
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
    this.optimizer = OPTIMIZER_REGISTRY[config.optimizer];
    this.settings = recordedSettings(this.optimizer, config.settings);
    this.shape = runShape(program, data);
    this.fingerprints = { student };
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
      const finishing = checkpoint?.phase === "finishing" ? checkpoint : await this.optimizeSteps(budget, rng, checkpoint);
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

  /**
   * The optimizer's steps, from the baseline (or a checkpoint) until it is done or a budget runs
   * out; then the finishing checkpoint, which keeps the optimizer's last state so that no step
   * ever runs again.
   */
  private async optimizeSteps(budget: Budget, rng: Rng, checkpoint: Optimizing | undefined): Promise<Finishing> {
    const ctx = optimizeContext(this, budget, rng);
    const baseline = { candidate: ctx.candidate(ctx.baseline, "program"), score: NaN };
    let state: unknown;
    let ending: Pick<Finishing, "ended" | "budgetReason"> = { ended: "done" };
    try {
      if (checkpoint) {
        // Resuming: the baseline was scored before the first checkpoint, which holds its score.
        // Scoring it again would re-send (uncharged) the calls of any example that had failed.
        baseline.score = checkpoint.baseline.score;
        state = checkpoint.state;
      } else {
        this.setPhase("scoring the baseline on dev");
        const scored = await ctx.evaluate(ctx.baseline, this.data.dev, "dev");
        baseline.score = scored.mean;
        this.setPhase("starting");
        state = await this.optimizer.init(ctx, scored);
        this.checkpoint({ phase: "optimizing", state, ...this.position(rng, budget, baseline) });
      }
      this.baselineScore = baseline.score;
      this.bestScore = Math.max(this.bestScore || -Infinity, baseline.score);
      for (;;) {
        if (this.signal.aborted) throw new InterruptedError();
        budget.ensure();
        const { state: next, done } = await this.optimizer.step(ctx, state);
        state = next;
        this.step++;
        const best = this.optimizer.best(state);
        if (best.score > this.bestScore || !Number.isFinite(this.bestScore)) this.bestScore = best.score;
        if (done) break;
        this.checkpoint({ phase: "optimizing", state, ...this.position(rng, budget, baseline) });
        this.progress(budget);
      }
    } catch (err) {
      if (!(err instanceof BudgetExhausted)) throw err;
      ending = { ended: "budget", budgetReason: err.what };
    }
    // A budget used up before the optimizer could start leaves `state` undefined: the baseline stands.
    const finishing: Finishing = { phase: "finishing", ...(state !== undefined ? { state } : {}), ...ending, ...this.position(rng, budget, baseline) };
    this.checkpoint(finishing);
    if (ending.ended === "budget") this.events.add("budget", { summary: `${ending.budgetReason} budget used up after step ${this.step}` });
    return finishing;
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

  /** Where the run is, for a checkpoint: the step, RNG and budget, the baseline, the event log's mark. */
  private position(rng: Rng, budget: Budget, baseline: { candidate: string; score: number }) {
    return { step: this.step, rng: rng.state(), budget: budget.snapshot(), baseline: { ...baseline }, events: this.events.mark() };
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
