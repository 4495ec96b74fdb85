import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadExamples } from "../api/data.js";
import { fingerprints, type Fingerprints } from "../api/fingerprint.js";
import { loadProgram, Program, type LoadProgramOptions } from "../api/program.js";
import { scoreOf, type DatasetScore } from "../api/run-views.js";
import { storeMemo } from "../evaluate/memo.js";
import type { RecordedLm } from "../lm/pool.js";
import type { Example } from "../program/example.js";
import { stateHash } from "../program/state.js";
import { newRunId } from "../store/run-id.js";
import type { RunResultRow } from "../store/evaluations-store.js";
import type { RunRecord } from "../store/runs-store.js";
import type { Store } from "../store/store.js";
import { sha256 } from "../util/canonical.js";
import { InterruptedError, isInterruption, ProviderError, UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { Budget, type BudgetLimits, type BudgetUsage } from "./budget.js";
import { scoreProgram, type EvaluatorOptions } from "./evaluator.js";
import { stepRecords } from "./feedback.js";
import { proposeInstruction } from "./propose.js";
import { OPTIMIZER_REGISTRY } from "./registry.js";
import { DEFAULTS, optimizerSettings, readOptimizeSection, recordedSettings } from "./settings.js";
import { splitTrainDev } from "./split.js";
import { BudgetExhausted, type Best, type OptimizeContext, type Optimizer, type OptimizerName, type Plan, type ScoreSet } from "./types.js";
import { checkpointSchema, storedCheckpoint, type Checkpoint, type Finished, type Finishing, type Optimizing } from "./checkpoint.js";
import { EventLog, RESUMED } from "./event-log.js";
import { readReport, type OptimizeReport } from "./report.js";
import { Spend } from "./spend.js";
import { limitNamed, limitProblem, limitSources, type LimitSource } from "./budget-setting.js";
import { displayPath } from "../util/display-path.js";
import { loadGraph } from "../graph/load.js";
import { metricNodes } from "../program/metric-nodes.js";
import { publicEndpoint } from "../lm/resolve.js";

/** Everything a run needs beyond the program file, as given on the command line (or by a caller). */
export interface OptimizeFlags {
  optimizer?: OptimizerName;
  trainset?: string;
  devset?: string;
  budget?: BudgetLimits;
  seed?: number;
  concurrency?: number;
  lm?: string;
  teacherLm?: string;
  reflectionLm?: string;
  name?: string;
  baseUrl?: string;
  rpm?: number;
  tpm?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Use the LM cache (default true). */
  cache?: boolean;
}

export interface OptimizeProgress {
  phase: string;
  step: number;
  candidates: number;
  baseline: number;
  best: number;
  used: BudgetUsage;
  limits: BudgetLimits;
  costUsd: number | null;
  /** Requests sent to providers and 429s received this session (all endpoints). */
  requests: number;
  rateLimited: number;
}

export interface OptimizeHooks {
  /** The run exists (its id is known) and the plan is made; nothing has been spent yet. */
  onStart?: (info: { runId: string; optimizer: OptimizerName; plan: Plan; seed: number; limits: BudgetLimits; defaultBudget: boolean; reserve: number; reserveRollouts: number; train: number; dev: number; test: number; resumed: boolean; fromStep: number; finishing: boolean }) => void;
  onProgress?: (progress: OptimizeProgress) => void;
  onEvent?: (type: string, data: Record<string, unknown>) => void;
  /** A notice for the user, e.g. that no LM is configured and `sim` runs. */
  onNotice?: (message: string) => void;
}

/** How a run was set up, recorded in the store so `dspx resume` rebuilds exactly the same run. */
interface RunConfig {
  optimizer: OptimizerName;
  settings: Record<string, unknown>;
  seed: number;
  concurrency: number;
  limits: BudgetLimits;
  /** No budget was given, so `limits` is the default LM-call cap. */
  defaultBudget?: boolean;
  devset: string;
  data: {
    train: { file: string; sha256: string };
    dev: { file: string; sha256: string } | { splitFromTrain: true };
    test?: { file: string; sha256: string };
  };
  /**
   * `baseUrl` is stored without credentials (user:password@, ?api-key=…); `baseUrlRedacted` says
   * they were removed, so `dspx resume` must get the full URL again from where the user gave it.
   */
  lm: RecordedLm & { rpm?: number; tpm?: number; timeoutMs?: number; maxAttempts?: number; teacherLm?: string; reflectionLm?: string; cache: boolean };
}

interface Data {
  train: Example[];
  dev: Example[];
  test?: Example[];
}

const STATUS_DONE = "done";

/** Starts an optimization run: the library function behind `dspx optimize`. */
export async function optimize(file: string, flags: OptimizeFlags, store: Store, signal: AbortSignal, hooks: OptimizeHooks = {}): Promise<OptimizeReport> {
  const lm: RunConfig["lm"] = {
    ...(flags.lm ? { override: flags.lm } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.rpm ? { rpm: flags.rpm } : {}),
    ...(flags.tpm ? { tpm: flags.tpm } : {}),
    ...(flags.timeoutMs ? { timeoutMs: flags.timeoutMs } : {}),
    ...(flags.maxAttempts ? { maxAttempts: flags.maxAttempts } : {}),
    cache: flags.cache !== false,
  };
  const runId = newRunId();
  const spend = new Spend();
  const program = await loadProgram(file, programOptions(lm, store, hooks, runId, spend));
  const section = readOptimizeSection(program.spec);
  const optimizerName = flags.optimizer ?? section.optimizer ?? DEFAULTS.optimizer;
  const seed = flags.seed ?? section.seed ?? DEFAULTS.seed;
  const concurrency = flags.concurrency ?? section.concurrency ?? DEFAULTS.concurrency;
  // The default LM-call cap stands in for a budget only when none of any kind is given (flags or the
  // program's optimize.budget): a user who says --budget-time 30m or --budget-usd 5 means that limit.
  const given: BudgetLimits = definedLimits({ ...section.budget, ...flags.budget });
  const defaultBudget = Object.keys(given).length === 0;
  const limits: BudgetLimits = defaultBudget ? { ...DEFAULTS.budget } : given;
  const dir = program.spec.dir;
  const trainFile = flags.trainset ? path.resolve(flags.trainset) : section.trainset ? path.resolve(dir, section.trainset) : program.spec.data.train;
  if (!trainFile) throw new UserError({ flag: "--trainset", message: "the program has no `data.train` and no trainset was given (--trainset <file.jsonl>)" });
  const devFile = flags.devset ? path.resolve(flags.devset) : section.devset ? path.resolve(dir, section.devset) : program.spec.data.dev;
  const testFile = program.spec.data.test;
  const config: RunConfig = {
    optimizer: optimizerName,
    settings: optimizerSettings(section, optimizerName),
    seed,
    concurrency,
    limits,
    ...(defaultBudget ? { defaultBudget: true } : {}),
    devset: "dev",
    data: {
      train: { file: trainFile, sha256: await fileHash(trainFile, "--trainset") },
      dev: devFile ? { file: devFile, sha256: await fileHash(devFile, "--devset") } : { splitFromTrain: true },
      ...(testFile ? { test: { file: testFile, sha256: await fileHash(testFile, "data.test") } } : {}),
    },
    lm: {
      ...withoutBaseUrl(lm),
      // No secret reaches the database: base URLs are recorded without credentials (resume asks again).
      ...program.pool.recordedLm(),
      ...((flags.teacherLm ?? section.teacherLm) ? { teacherLm: (flags.teacherLm ?? section.teacherLm)! } : {}),
      ...((flags.reflectionLm ?? section.reflectionLm) ? { reflectionLm: (flags.reflectionLm ?? section.reflectionLm)! } : {}),
    },
  };
  const session = await Session.create(runId, program, config, { store, spend, signal, hooks });
  const plan = session.checkPlan({ sources: limitSources(flags.budget ?? {}, section.budget ?? {}, program.spec.positions) });
  store.runs.create({
    id: runId,
    kind: "optimize",
    ...(flags.name ? { name: flags.name } : {}),
    programName: program.spec.name,
    programFile: program.spec.file,
    programHash: program.spec.sourceHash,
    programSource: program.spec.sourceText,
    config: config as unknown as Record<string, unknown>,
    seed,
  });
  return session.run(plan, undefined);
}

/** What `dspx resume` may supply again: the run's base URL, whose credentials were not stored. */
export interface ResumeOptions {
  /** The full base URL (`dspx resume --base-url`); it must be the endpoint the run used. */
  baseUrl?: string;
  /** Where OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_BASE_URL are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

function withoutBaseUrl<T extends { baseUrl?: string }>(lm: T): Omit<T, "baseUrl"> {
  const { baseUrl: _given, ...rest } = lm;
  return rest;
}

/** A run `dspx resume` found finished: its record, and the report it finished with (absent for runs finished before reports were kept). */
export interface AlreadyFinished {
  alreadyFinished: RunRecord;
  report?: OptimizeReport;
}

/** Continues a run from its last checkpoint: the library function behind `dspx resume`. */
export async function resume(runId: string, store: Store, signal: AbortSignal, hooks: OptimizeHooks = {}, options: ResumeOptions = {}): Promise<OptimizeReport | AlreadyFinished> {
  const run = store.runs.resolve(runId);
  if (run.kind !== "optimize") throw new UserError(`run ${run.id} is an eval run: only optimize runs can be resumed (re-run \`dspx eval\`: finished examples are reused)`);
  if (run.status === "running") throw new UserError(`run ${run.id} is still running (process ${run.pid}); stop it first, or wait for it`);
  // A finished run is finished even when what its checkpoint kept cannot be read.
  if (run.status === STATUS_DONE) return finishedRun(run, store);
  const checkpoint = store.runs.checkpoint(run.id, checkpointSchema)?.state;
  // (A finished checkpoint is written with the run marked done; this is for a status changed since.)
  if (checkpoint?.phase === "finished") return { alreadyFinished: run, ...reportOf(checkpoint) };
  const config = run.config as unknown as RunConfig;
  await checkUnchanged(config);
  const baseUrl = await resumeBaseUrl(run, config, options);
  const lm: RunConfig["lm"] = { ...config.lm, ...(baseUrl ? { baseUrl } : {}) };
  // What the run has paid for so far, in every earlier session, is in its totals.
  const spend = new Spend(run.totals);
  const program = await loadProgram(run.programFile, { ...programOptions(lm, store, hooks, run.id, spend), source: run.programSource });
  const session = await Session.create(run.id, program, config, { store, spend, signal, hooks });
  const plan = session.checkPlan({ resuming: true });
  store.runs.update(run.id, { status: "running", pid: process.pid });
  store.runs.addEvent(run.id, RESUMED, { pid: process.pid, ...(checkpoint ? { step: checkpoint.step, phase: checkpoint.phase } : {}) });
  return session.run(plan, checkpoint);
}

/** A finished run, with the report its last checkpoint keeps when it can be read (runs finished before reports were kept have none). */
function finishedRun(run: RunRecord, store: Store): AlreadyFinished {
  let checkpoint: Checkpoint | undefined;
  try {
    checkpoint = store.runs.checkpoint(run.id, checkpointSchema)?.state;
  } catch {
    // Damaged: the run stays finished, with no report to show.
  }
  return { alreadyFinished: run, ...(checkpoint?.phase === "finished" ? reportOf(checkpoint) : {}) };
}

function reportOf(checkpoint: Finished): { report?: OptimizeReport } {
  try {
    const report = readReport(checkpoint.report);
    return report ? { report } : {};
  } catch {
    return {};
  }
}

/**
 * The base URL a resumed run calls. A URL stored as given is used as is; one whose credentials were
 * removed before storing must come again from where the user can give it — `--base-url` on resume,
 * OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_BASE_URL, or a `base_url` in the program — and be
 * the same endpoint (the same URL without credentials), so the run goes on against what it started with.
 */
async function resumeBaseUrl(run: RunRecord, config: RunConfig, options: ResumeOptions): Promise<string | undefined> {
  const stored = config.lm.baseUrl;
  const given = options.baseUrl;
  if (given !== undefined && stored !== undefined && publicEndpoint(given) !== publicEndpoint(stored)) {
    throw new UserError({
      flag: "--base-url",
      message: `run ${run.id} calls ${publicEndpoint(stored)}, not ${publicEndpoint(given)}: a resumed run keeps its endpoint (start a new run to use another)`,
    });
  }
  if (given !== undefined) return given;
  if (!stored || !config.lm.baseUrlRedacted) return stored;
  const env = options.env ?? process.env;
  const candidates = [env.OPENAI_BASE_URL, env.ANTHROPIC_BASE_URL, env.OLLAMA_BASE_URL];
  try {
    const graph = await loadGraph(run.programFile, run.programSource);
    candidates.push(graph.spec.lm?.baseUrl, ...graph.spec.steps.map((s) => s.lm?.baseUrl));
  } catch {
    // An unreadable program fails below, when the run loads it, with its own message.
  }
  const found = candidates.find((url): url is string => url !== undefined && url !== "" && publicEndpoint(url) === stored);
  if (found !== undefined) return found;
  throw new UserError({
    message:
      `run ${run.id} was started with the base URL ${stored} and credentials in it (user:password@ or a query such as ?api-key=), which are never stored; ` +
      `give the full URL again: \`dspx resume ${run.id} --base-url <url>\`, or set it in OPENAI_BASE_URL / ANTHROPIC_BASE_URL or the program's lm.base_url`,
  });
}

function programOptions(lm: RunConfig["lm"], store: Store, hooks: OptimizeHooks, runId: string, spend: Spend): LoadProgramOptions {
  return {
    ...(hooks.onNotice ? { onNotice: hooks.onNotice } : {}),
    onPaidCall: spend.paid,
    onCachedCall: spend.cached,
    ...(lm.override ? { lm: lm.override } : {}),
    // Resuming: a step naming no model runs on what it ran on (an API key's default model, or sim),
    // not on whatever keys the environment holds now.
    ...(!lm.override && lm.defaultModel ? { defaultModel: lm.defaultModel } : {}),
    ...(lm.baseUrl ? { baseUrl: lm.baseUrl } : {}),
    ...(lm.rpm ? { rpm: lm.rpm } : {}),
    ...(lm.tpm ? { tpm: lm.tpm } : {}),
    ...(lm.timeoutMs ? { timeoutMs: lm.timeoutMs } : {}),
    ...(lm.maxAttempts ? { maxAttempts: lm.maxAttempts } : {}),
    ...(lm.cache ? { cache: store.cache.forRun(runId) } : {}),
  };
}

function definedLimits(limits: BudgetLimits): BudgetLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as BudgetLimits;
}

async function fileHash(file: string, what: string): Promise<string> {
  try {
    return sha256(await readFile(file, "utf8"));
  } catch {
    throw new UserError({ message: `cannot read the ${what} file`, pos: { file: displayPath(file) } });
  }
}

/** A resumed run must see the data the run started with; otherwise its checkpoint means nothing. */
async function checkUnchanged(config: RunConfig): Promise<void> {
  const files = [config.data.train, ...("file" in config.data.dev ? [config.data.dev] : []), ...(config.data.test ? [config.data.test] : [])];
  for (const f of files) {
    if ((await fileHash(f.file, "dataset")) !== f.sha256) {
      throw new UserError({ message: "this dataset changed since the run started, so the run cannot be resumed as it was (start a new run)", pos: { file: f.file } });
    }
  }
}

/** Where a session records, what meters its calls, what stops it and whom it tells. */
interface SessionEnv {
  store: Store;
  spend: Spend;
  signal: AbortSignal;
  hooks: OptimizeHooks;
}

/** One process's share of a run: the context given to the optimizer, the loop, checkpoints. */
class Session {
  private readonly optimizer: Optimizer;
  /** The run's optimizer settings, read with the optimizer's schema. */
  private readonly settings: Record<string, unknown>;
  private readonly examplesById: Map<string, Example>;
  private readonly callsPerExample: number;
  private fp!: Fingerprints;
  private teacherFp: Fingerprints | undefined;
  private candidates = new Set<string>();
  private readonly events: EventLog;
  private phase = "starting";
  private step = 0;
  /** What the optimizer told the user about the outcome (ctx.notice), for the report. */
  private readonly notes: string[] = [];
  private baselineScore = NaN;
  private bestScore = NaN;
  /** Budget kept back for the final test evaluation of the baseline and the best candidate: LM calls … */
  private readonly reserve: number;
  /** … and rollouts (used only when there is a rollouts limit). */
  private readonly reserveRollouts: number;

  private readonly store: Store;
  /** What the run's LM calls cost (the pool reports every paid call to it). */
  private readonly spend: Spend;
  private readonly signal: AbortSignal;
  private readonly hooks: OptimizeHooks;

  private constructor(
    private readonly runId: string,
    private readonly program: Program,
    private readonly config: RunConfig,
    private readonly data: Data,
    env: SessionEnv,
  ) {
    this.store = env.store;
    this.spend = env.spend;
    this.signal = env.signal;
    this.hooks = env.hooks;
    this.events = new EventLog(this.store.runs, runId, this.hooks.onEvent);
    this.optimizer = OPTIMIZER_REGISTRY[config.optimizer];
    this.settings = recordedSettings(this.optimizer, config.settings);
    this.examplesById = new Map([...data.train, ...data.dev, ...(data.test ?? [])].map((e) => [e.id, e]));
    const judges = countJudges(program.spec.metric);
    this.callsPerExample = program.graph.lmSteps.length + judges;
    this.reserve = data.test ? 2 * data.test.length * this.callsPerExample : 0;
    this.reserveRollouts = data.test ? 2 * data.test.length : 0;
  }

  static async create(runId: string, program: Program, config: RunConfig, env: SessionEnv): Promise<Session> {
    const metric = await program.metric();
    const load = (file: string) => loadExamples(program.spec, file, metric.labels);
    const train = await load(config.data.train.file);
    let dev: Example[];
    let trainPart = train;
    if ("file" in config.data.dev) dev = await load(config.data.dev.file);
    else ({ train: trainPart, dev } = splitTrainDev(train, config.seed));
    const test = config.data.test ? await load(config.data.test.file) : undefined;
    if (trainPart.length === 0) throw new UserError({ message: "the train set is empty", pos: { file: config.data.train.file } });
    const session = new Session(runId, program, config, { train: trainPart, dev, ...(test ? { test } : {}) }, env);
    session.fp = await fingerprints(program);
    return session;
  }

  /** The plan for this budget; refuses one too small for a single improvement step. */
  checkPlan(options: { resuming?: boolean; sources?: Partial<Record<keyof BudgetLimits, LimitSource>> } = {}): Plan {
    const { limits } = this.config;
    const baselineCalls = this.data.dev.length * this.callsPerExample;
    const optimizing = limits.calls === undefined ? Infinity : limits.calls - this.reserve - baselineCalls;
    const plan = this.optimizer.plan({
      callsPerExample: this.callsPerExample,
      train: this.data.train.length,
      dev: this.data.dev.length,
      lmSteps: this.program.graph.lmSteps.length,
      calls: optimizing,
      settings: this.settings,
    });
    if (!options.resuming && limits.calls !== undefined && optimizing < plan.minimumCalls) {
      const needed = this.reserve + baselineCalls + plan.minimumCalls;
      const what = `${limits.calls} LM calls cannot buy a single ${this.config.optimizer} step here: scoring the baseline on dev takes ${baselineCalls}, the final test evaluation ${this.reserve}, and one step at least ${plan.minimumCalls}`;
      throw new UserError(limitProblem("calls", options.sources?.calls, what, String(needed)));
    }
    if (!options.resuming && limits.rollouts !== undefined) {
      // The rollouts one step takes, from its least calls (an upper bound: proposal calls are no rollouts).
      const stepRollouts = Math.ceil(plan.minimumCalls / this.callsPerExample);
      const needed = this.reserveRollouts + this.data.dev.length + stepRollouts;
      if (limits.rollouts < needed) {
        const what = `${limits.rollouts} rollouts cannot buy a single ${this.config.optimizer} step here: scoring the baseline on dev takes ${this.data.dev.length}, the final test evaluation ${this.reserveRollouts}, and one step at least ${stepRollouts}`;
        throw new UserError(limitProblem("rollouts", options.sources?.rollouts, what, String(needed)));
      }
    }
    if (limits.usd !== undefined && !this.program.costKnown()) {
      throw new UserError(limitNamed("usd", options.sources?.usd, "the price of the model is unknown, so a USD budget cannot be enforced; add `lm.prices: { input, output }` to the program"));
    }
    return plan;
  }

  /** Runs (or, from a checkpoint, continues) the run to its end: optimizing, then finishing. */
  async run(plan: Plan, checkpoint: Optimizing | Finishing | undefined): Promise<OptimizeReport> {
    const { config, store, runId } = this;
    const optimizingLimits: BudgetLimits = {
      ...config.limits,
      ...(config.limits.calls !== undefined ? { calls: config.limits.calls - this.reserve } : {}),
      ...(config.limits.rollouts !== undefined ? { rollouts: config.limits.rollouts - this.reserveRollouts } : {}),
    };
    const budget = new Budget(optimizingLimits, checkpoint?.budget);
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
      reserve: config.limits.calls !== undefined ? this.reserve : 0,
      reserveRollouts: config.limits.rollouts !== undefined ? this.reserveRollouts : 0,
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
      return await this.finish(plan, finishing);
    } catch (err) {
      const interrupted = isInterruption(err);
      store.runs.update(runId, {
        status: interrupted ? "interrupted" : "failed",
        ...(interrupted ? {} : { error: err instanceof ProviderError ? `${err.provider}: ${err.message}` : (err as Error)?.message ?? String(err) }),
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
    const ctx = this.context(budget, rng);
    const baselineState = this.program.state;
    const baseline = { candidate: ctx.candidate(baselineState, "program"), score: NaN };
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
        const scored = await ctx.evaluate(baselineState, this.data.dev, "dev");
        baseline.score = scored.mean;
        this.setPhase("starting");
        state = await this.optimizer.init(ctx, scored);
        this.checkpoint({ phase: "optimizing", state, ...this.position(rng, budget, baseline) });
      }
      this.baselineScore = baseline.score;
      this.bestScore = Math.max(this.bestScore || -Infinity, baseline.score);
      for (;;) {
        if (this.signal.aborted) throw new InterruptedError();
        const reason = budget.exhausted();
        if (reason) throw new BudgetExhausted(reason);
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

  /**
   * Scores the baseline and the best candidate on test and records the result. Everything here is
   * a function of the finishing checkpoint and the store, so finishing again after a kill (test
   * results answered from the store) ends the same way.
   */
  private async finish(plan: Plan, finishing: Finishing): Promise<OptimizeReport> {
    const { store, runId, data } = this;
    const { ended, budgetReason, state } = finishing;
    const baselineState = this.program.state;
    const baselineHash = stateHash(baselineState);
    this.baselineScore = finishing.baseline.score;
    const best: Best = state === undefined ? { candidate: baselineHash, state: baselineState, score: this.baselineScore } : this.optimizer.best(state);
    if (!Number.isFinite(this.bestScore)) this.bestScore = best.score;
    // Dev scores are read from what this run recorded, never evaluated again: finishing spends
    // nothing, so a budget that ran out while the baseline was being scored leaves the examples not
    // scored unscored (the report says how many were) instead of paying for them uncharged.
    await store.flush();
    const baselineRows = this.recorded(baselineHash, data.dev, "dev");
    const baselineDev = scoreOf(baselineRows);
    const bestDev = scoreOf(this.recorded(stateHash(best.state), data.dev, "dev"));
    const baselinePartial = baselineRows.length < data.dev.length ? { scored: baselineRows.length, of: data.dev.length } : undefined;
    if (baselinePartial) {
      this.events.add("budget", {
        summary: `the ${budgetReason ?? "LM calls"} budget ran out while the baseline was scored on dev: ${baselinePartial.scored} of ${baselinePartial.of} examples scored, no candidate tried`,
      });
    }
    // The whole budget from here: what was kept back for the test evaluation is usable.
    const finalBudget = new Budget(this.config.limits, finishing.budget);
    this.budgetForProgress = finalBudget;
    const ctx = this.context(finalBudget, new Rng(0));
    let baselineTest: DatasetScore | undefined;
    let bestTest: DatasetScore | undefined;
    let testSkipped: string | undefined;
    if (data.test) {
      this.setPhase("scoring the baseline and the best candidate on test");
      try {
        baselineTest = scoreOf((await ctx.evaluate(baselineState, data.test, "test")).results);
        bestTest = scoreOf((await ctx.evaluate(best.state, data.test, "test")).results);
      } catch (err) {
        if (!(err instanceof BudgetExhausted)) throw err;
        // Calls and rollouts are kept back for it; time and money cannot be.
        testSkipped = err.what;
        baselineTest = undefined;
        bestTest = undefined;
        this.events.add("budget", { summary: `no ${err.what} budget left for the test evaluation` });
      }
    }
    const usage = finalBudget.snapshot();
    const report: OptimizeReport = {
      runId,
      optimizer: this.config.optimizer,
      ended,
      ...(budgetReason ? { budgetReason } : {}),
      plan,
      baseline: { candidate: baselineHash, dev: baselineDev, ...(baselineTest ? { test: baselineTest } : {}) },
      best: { candidate: best.candidate, state: best.state, dev: bestDev, ...(bestTest ? { test: bestTest } : {}) },
      ...(testSkipped ? { testSkipped } : {}),
      ...(baselinePartial ? { baselinePartial } : {}),
      candidates: this.candidates.size,
      steps: this.step,
      ...(state !== undefined && this.optimizer.iterations ? { iterations: this.optimizer.iterations(state) } : {}),
      ...(this.notes.length > 0 ? { notes: [...this.notes] } : {}),
      usage,
      tokens: this.spend.total.tokens,
      costUsd: this.spend.total.costUsd,
      thisProcess: this.spend.paidHere(this.program.pool.stats().requests),
      elapsedMs: usage.elapsedMs,
    };
    const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "–");
    this.events.add("finished", {
      summary: `best ${best.candidate.slice(0, 10)}: dev ${fixed(bestDev.mean)} (baseline ${fixed(baselineDev.mean)}${baselinePartial ? `, ${baselinePartial.scored} of ${baselinePartial.of} examples` : ""})${bestTest && baselineTest ? `, test ${bestTest.mean.toFixed(3)} (baseline ${baselineTest.mean.toFixed(3)})` : ""}`,
    });
    // One transaction: the run is done exactly when its report is kept.
    store.runs.update(runId, {
      status: "done",
      finished: true,
      bestCandidate: best.candidate,
      ...(Number.isFinite(bestDev.mean) ? { bestScore: bestDev.mean } : {}),
      totals: {
        ...this.totals(usage),
        ...(Number.isFinite(baselineDev.mean) ? { baselineDev: baselineDev.mean } : {}),
        ...(Number.isFinite(bestDev.mean) ? { bestDev: bestDev.mean } : {}),
        ...(baselinePartial ? { baselineScored: baselinePartial.scored, devExamples: baselinePartial.of } : {}),
        ...(baselineTest ? { baselineTest: baselineTest.mean } : {}),
        ...(bestTest ? { bestTest: bestTest.mean } : {}),
        ...(testSkipped ? { testSkipped } : {}),
        ended,
        ...(budgetReason ? { budgetReason } : {}),
      },
    });
    this.checkpoint({ phase: "finished", report: JSON.parse(JSON.stringify(report)) as Record<string, unknown> });
    await store.flush();
    return report;
  }

  /** A candidate's results on a dataset as this run recorded them (after a flush), in the dataset's order. */
  private recorded(candidate: string, examples: readonly Example[], dataset: string): RunResultRow[] {
    const byId = new Map(this.store.evaluations.results(this.runId, { candidate, dataset }).map((r) => [r.exampleId, r]));
    return examples.map((e) => byId.get(e.id)).filter((r): r is RunResultRow => r !== undefined);
  }

  private context(budget: Budget, rng: Rng): OptimizeContext {
    const { program, store, runId, config } = this;
    const evaluator = (fp: Fingerprints): EvaluatorOptions => ({
      budget,
      concurrency: config.concurrency,
      signal: this.signal,
      callsPerExample: this.callsPerExample,
      memoFor: (candidate, dataset) => storeMemo({ evaluations: store.evaluations, fingerprints: fp, candidate, link: { runId, dataset } }),
      onResult: (r) => {
        this.spend.noteResult(r);
        this.progress(budget);
      },
    });
    const teacherPool = config.lm.teacherLm ? program.pool.withModel(config.lm.teacherLm) : program.pool;
    const reflectionLm = () => (config.lm.reflectionLm ? program.pool.withModel(config.lm.reflectionLm) : program.pool).clientFor(program.spec.lm);
    return {
      program,
      trainset: this.data.train,
      devset: this.data.dev,
      rng,
      settings: this.settings,
      budget,
      evaluate: (state, examples, dataset) => {
        const hash = stateHash(state);
        this.candidates.add(hash);
        return scoreProgram(program.withState(state), hash, examples, dataset, evaluator(this.fp));
      },
      teacher: async (examples, { sample }) => {
        const teacher = new Program(program.graph, program.state, teacherPool);
        this.teacherFp ??= await fingerprints(teacher);
        // A teacher sample is its own "candidate" in the memo: the same state, sampled differently.
        const id = `${stateHash(program.state)}@teacher:${sample}`;
        const set = await scoreProgram(teacher, id, examples, `train:teacher:${sample}`, evaluator(this.teacherFp), sample > 0 ? { sample, temperature: 1 } : {});
        return set.results;
      },
      propose: async ({ step, instruction, records, purpose, sample }) => {
        const reason = budget.exhausted();
        if (reason) throw new BudgetExhausted(reason);
        if (budget.limits.calls !== undefined && budget.used.calls + 1 > budget.limits.calls) throw new BudgetExhausted("LM calls");
        const compiled = program.graph.steps.find((s) => s.name === step)!;
        const { proposal, calls } = await proposeInstruction(reflectionLm(), {
          step,
          signature: { inputs: compiled.signature.inputs, outputs: compiled.outputs },
          instruction,
          records,
          purpose,
          sample,
          signal: this.signal,
        });
        budget.chargeCalls(calls, "proposal");
        return proposal;
      },
      candidate: (state, origin, parents = []) => {
        const hash = stateHash(state);
        this.candidates.add(hash);
        store.runs.addCandidate(runId, { hash, state, parents, origin });
        return hash;
      },
      event: (type, data) => this.events.add(type, data),
      phase: (text) => this.setPhase(text),
      notice: (text) => {
        this.notes.push(text);
        this.hooks.onNotice?.(text);
      },
      records: (results, examples, step) => stepRecords(program.graph, results, examples, step),
    };
  }

  private budgetForProgress: Budget | undefined;

  private setPhase(text: string): void {
    this.phase = text;
    if (this.budgetForProgress) this.progress(this.budgetForProgress);
  }

  private progress(budget: Budget): void {
    this.hooks.onProgress?.({
      phase: this.phase,
      step: this.step,
      candidates: this.candidates.size,
      baseline: this.baselineScore,
      best: this.bestScore,
      used: budget.snapshot(),
      limits: this.config.limits,
      costUsd: this.spend.total.costUsd,
      requests: this.program.pool.stats().requests,
      rateLimited: this.program.pool.stats().rateLimited,
    });
  }

  /** Where the run is, for a checkpoint: the step, RNG and budget, the baseline, the event log's mark. */
  private position(rng: Rng, budget: Budget, baseline: { candidate: string; score: number }) {
    return { step: this.step, rng: rng.state(), budget: budget.snapshot(), baseline: { ...baseline }, events: this.events.mark() };
  }

  private checkpoint(checkpoint: Checkpoint): void {
    this.store.runs.putCheckpoint(this.runId, this.step, storedCheckpoint(checkpoint));
    if (checkpoint.phase === "finished") return;
    this.store.runs.update(this.runId, { totals: this.totals(checkpoint.budget), ...(Number.isFinite(this.bestScore) ? { bestScore: this.bestScore } : {}) });
  }

  private totals(u: BudgetUsage) {
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

function countJudges(metric: import("../program/types.js").MetricSpec): number {
  return metricNodes(metric).filter((n) => n.metric.kind === "llm_judge").length;
}

export type { ScoreSet, OptimizeReport };
