import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LmOptions } from "../lm/settings.js";
import type { Example } from "../program/example.js";
import { leakageWarnings } from "../program/overlap.js";
import { datasetRules, loadExamples } from "../runtime/data.js";
import type { Program } from "../runtime/program.js";
import type { OptimizeRunConfig } from "../store/run-config.js";
import type { RunOf } from "../store/runs-store.js";
import { sha256 } from "../util/canonical.js";
import { displayPath } from "../util/display-path.js";
import { UserError, type Problem } from "../util/errors.js";
import type { BudgetLimits } from "./budget.js";
import { DEFAULTS, optimizerSettings, type OptimizeSection } from "./settings.js";
import { sequenceName, sequenceProblems } from "./sequence.js";
import { splitTrainDev } from "./split.js";
import { OPTIMIZERS, type OptimizerName } from "./types.js";

/**
 * Everything a run needs beyond the program file, as given on the command line (or by a caller):
 * the LM options (`cache`: use the LM cache, default true) and the optimization's own.
 */
export interface OptimizeFlags extends LmOptions {
  /** The optimizer, or several run in sequence (`--optimizer bootstrap,gepa`). */
  optimizer?: OptimizerName | readonly OptimizerName[];
  trainset?: string;
  devset?: string;
  budget?: BudgetLimits;
  seed?: number;
  concurrency?: number;
  name?: string;
  /** false (`--no-traces`): store results without messages, completions or trajectories. */
  traces?: boolean;
}

/** One optimizer of a run and its settings, its name checked against those this dspx has. */
export type RunStage = OptimizeRunConfig["stages"][number] & { optimizer: OptimizerName };

/** How a run was set up, recorded in the store so `dspx resume` rebuilds exactly the same run. */
export type RunConfig = Omit<OptimizeRunConfig, "stages" | "split"> & { stages: RunStage[]; split?: Partial<Record<OptimizerName, number>> };

/** A run's examples: dev is the program's, or split from train by the seed when it has none. */
export interface RunData {
  train: Example[];
  dev: Example[];
  test?: Example[];
}

/**
 * A new run's configuration: the flags over the program's `optimize:` section over the defaults,
 * its data files hashed (a resumed run must find them unchanged) and its LM settings as recorded
 * (without credentials: resume asks for them again).
 */
export async function newRunConfig(program: Program, section: OptimizeSection, flags: OptimizeFlags): Promise<RunConfig> {
  const names: readonly OptimizerName[] = typeof flags.optimizer === "string" ? [flags.optimizer] : (flags.optimizer ?? section.optimizer ?? [DEFAULTS.optimizer]);
  // The program's split applies to the sequence run, which --optimizer may name: checked against it.
  const split = names.length > 1 ? section.budgetSplit : undefined;
  const problems = sequenceProblems(names, split, program.spec.positions);
  if (problems.length > 0) throw new UserError(problems);
  // The default LM-call cap stands in for a budget only when none of any kind is given (flags or the
  // program's optimize.budget): a user who says --budget-time 30m or --budget-usd 5 means that limit.
  const given: BudgetLimits = { ...definedLimits(section.budget ?? {}), ...definedLimits(flags.budget ?? {}) };
  const defaultBudget = Object.keys(given).length === 0;
  const { dir, data } = program.spec;
  const trainFile = flags.trainset ? path.resolve(flags.trainset) : section.trainset ? path.resolve(dir, section.trainset) : data.train;
  if (!trainFile) throw new UserError({ flag: "--trainset", message: "the program has no `data.train` and no trainset was given (--trainset <file.jsonl>)" });
  const devFile = flags.devset ? path.resolve(flags.devset) : section.devset ? path.resolve(dir, section.devset) : data.dev;
  if (flags.traces === false) checkNoTraces(program);
  return {
    optimizer: sequenceName(names),
    stages: names.map((name) => ({ optimizer: name, settings: optimizerSettings(section, name) })),
    ...(split ? { split } : {}),
    seed: flags.seed ?? section.seed ?? DEFAULTS.seed,
    concurrency: flags.concurrency ?? section.concurrency ?? DEFAULTS.concurrency,
    limits: defaultBudget ? { ...DEFAULTS.budget } : given,
    defaultBudget: defaultBudget || undefined,
    devset: "dev",
    data: {
      train: { file: trainFile, sha256: await fileHash(trainFile, "--trainset") },
      dev: devFile ? { file: devFile, sha256: await fileHash(devFile, "--devset") } : { splitFromTrain: true },
      test: data.test ? { file: data.test, sha256: await fileHash(data.test, "data.test") } : undefined,
    },
    lm: program.pool.recordedLm(),
    ...(flags.traces === false ? { traces: false as const } : {}),
  };
}

/**
 * Without traces an agent step keeps no trajectory, and optimizers learn from trajectories (the
 * demos bootstrapped from an agent step are whole trajectories; reflection reads them): refused
 * rather than silently learning less. A program without agent steps loses nothing an optimizer reads.
 */
function checkNoTraces(program: Program): void {
  const agents = program.graph.steps.filter((s) => s.module.name === "react").map((s) => s.name);
  if (agents.length === 0) return;
  throw new UserError({
    flag: "--no-traces",
    message: `the program's agent ${agents.length === 1 ? "step" : "steps"} ${agents.map((a) => `\`${a}\``).join(", ")} would keep no trajectories, which optimizers build demos and reflections from; optimize it with traces (\`dspx gc --traces-older-than\` bounds their storage)`,
  });
}

/** A stored run's configuration, its optimizer checked against those this dspx has. */
export function storedRunConfig(run: RunOf<"optimize">): RunConfig {
  const { config } = run;
  const stages = config.stages.map((stage) => {
    if (!isOptimizerName(stage.optimizer)) {
      throw new UserError(`run ${run.id} was made by the optimizer \`${stage.optimizer}\`, which this dspx does not have (it has: ${OPTIMIZERS.join(", ")})`);
    }
    return { ...stage, optimizer: stage.optimizer };
  });
  const split = config.split && Object.fromEntries(Object.entries(config.split).filter(([name]) => isOptimizerName(name)));
  return { ...config, stages, ...(split ? { split } : {}) };
}

function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}

/** A resumed run must see the data the run started with; otherwise its checkpoint means nothing. */
export async function checkUnchanged(config: RunConfig): Promise<void> {
  const files = [config.data.train, ...("file" in config.data.dev ? [config.data.dev] : []), ...(config.data.test ? [config.data.test] : [])];
  for (const f of files) {
    if ((await fileHash(f.file, "dataset")) !== f.sha256) {
      throw new UserError({ message: "this dataset changed since the run started, so the run cannot be resumed as it was (start a new run)", pos: { file: f.file } });
    }
  }
}

/**
 * The examples a run's configuration names, each checked to carry the gold fields the metric reads,
 * and what the reading noticed (identical rows, dev or test examples that are also in train).
 */
export async function loadRunData(program: Program, config: RunConfig): Promise<{ data: RunData; warnings: Problem[] }> {
  const rules = datasetRules(program, (await program.metric()).labels);
  const warnings: Problem[] = [];
  const load = async (file: string) => {
    const read = await loadExamples(rules, file);
    warnings.push(...read.warnings);
    return read.examples;
  };
  const train = await load(config.data.train.file);
  let dev: Example[];
  let trainPart = train;
  if ("file" in config.data.dev) dev = await load(config.data.dev.file);
  else ({ train: trainPart, dev } = splitTrainDev(train, config.seed));
  const test = config.data.test ? await load(config.data.test.file) : undefined;
  if (trainPart.length === 0) throw new UserError({ message: "the train set is empty", pos: { file: config.data.train.file } });
  const devFile = "file" in config.data.dev ? config.data.dev.file : config.data.train.file;
  const heldOut = [{ label: "dev", file: displayPath(devFile), examples: dev }, ...(test && config.data.test ? [{ label: "test", file: displayPath(config.data.test.file), examples: test }] : [])];
  warnings.push(...leakageWarnings(trainPart, heldOut));
  return { data: { train: trainPart, dev, test }, warnings };
}

function definedLimits(limits: BudgetLimits): BudgetLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
}

async function fileHash(file: string, what: string): Promise<string> {
  try {
    return sha256(await readFile(file, "utf8"));
  } catch {
    throw new UserError({ message: `cannot read the ${what} file`, pos: { file: displayPath(file) } });
  }
}
