import { z } from "zod";
import { readStoredValue, type StoredJson } from "./stored-json.js";

/**
 * How a run was set up, as the `config` column of its row keeps it: written and read only here.
 *
 * Version 3 (written since optimizers run in sequence) keeps an optimize run's optimizers as
 * `stages`, each with its settings, and the budget split given for them. Version 2 carries
 * `version: 2` and one `optimizer` with its `settings`; version 1 is every configuration recorded
 * before there was a version (no `version` key). Older versions are upgraded when read, so a run
 * recorded by an older dspx is resumed, shown, compared and exported like a new one.
 */
export const RUN_CONFIG_VERSION = 3;

/**
 * How a run chose its models and endpoints: its LM settings with the credentials removed, plus
 * what the environment decided then (see `recordLm` in lm/settings.ts, which writes it).
 */
const recordedLmSchema = z.object({
  /** --lm or DSPX_LM: every step ran on this model. */
  override: z.string().optional(),
  rpm: z.number().optional(),
  tpm: z.number().optional(),
  timeoutMs: z.number().optional(),
  maxAttempts: z.number().optional(),
  /** Whether the LM response cache was used (absent: recorded before eval runs kept it). */
  cache: z.boolean().optional(),
  /** With no override: what a step naming no model ran on. */
  defaultModel: z.string().optional(),
  /** --base-url, without credentials. */
  baseUrl: z.string().optional(),
  /** The --base-url carried credentials, removed from `baseUrl`: they must be supplied again to run it. */
  baseUrlRedacted: z.literal(true).optional(),
  /** The *_BASE_URL variables that were set, without credentials (absent: recorded before dspx kept it). */
  env: z.record(z.string(), z.string()).optional(),
  teacherLm: z.string().optional(),
  reflectionLm: z.string().optional(),
});
export type RecordedLm = z.infer<typeof recordedLmSchema>;

const dataFile = z.object({ file: z.string(), sha256: z.string() });

/** The fields of an eval run's configuration, in the order they are written (`dspx show` lists them so). */
const evalFields = <L extends z.ZodType>(lm: L) => ({
  /** The split (or file) evaluated. */
  dataset: z.string(),
  /** The file it read (absent: recorded before eval runs kept it). */
  datasetFile: z.string().optional(),
  /** The program-level model, as `dspx eval` announced it. */
  model: z.string(),
  lm,
  concurrency: z.number(),
  limit: z.number().optional(),
  maxUsd: z.number().optional(),
  /** --no-traces: results stored without messages, completions or trajectories (absent: with them). */
  traces: z.literal(false).optional(),
});

// The first eval runs (version 1) recorded only `model` (what DSPX_LM or the program chose then),
// no `lm`: read as stored (`dspx show` shows what was recorded), their LM settings from `recordedLmOf`.
// An eval configuration is the same in versions 2 and 3.
const evalV3 = z.object({ version: z.union([z.literal(3), z.literal(2)]), ...evalFields(recordedLmSchema.optional()) });
const evalV1 = z.object(evalFields(recordedLmSchema.optional()));

/** One optimizer of a run, in the order the run's optimizers ran. */
const stageSchema = z.object({
  /** An optimizer name (the optimize layer checks it names one it has). */
  optimizer: z.string(),
  /** Its settings, defaults filled in (each optimizer reads its own). */
  settings: z.record(z.string(), z.unknown()),
});

/** The fields of every version after `optimizer` (and, before version 3, its `settings`). */
const commonOptimizeFields = {
  seed: z.number(),
  concurrency: z.number(),
  limits: z.object({ calls: z.number().optional(), usd: z.number().optional(), timeMs: z.number().optional(), rollouts: z.number().optional() }),
  /** No budget was given, so `limits` is the default LM-call cap. */
  defaultBudget: z.literal(true).optional(),
  /** The dataset candidates are scored on (always the dev split). */
  devset: z.string(),
  data: z.object({
    train: dataFile,
    dev: z.union([dataFile, z.object({ splitFromTrain: z.literal(true) })]),
    test: dataFile.optional(),
  }),
  lm: recordedLmSchema,
  /** --no-traces: results stored without messages, completions or trajectories (absent: with them). */
  traces: z.literal(false).optional(),
};

const optimizeV3 = z.object({
  version: z.literal(3),
  /** The run's optimizer as named: one (`gepa`), or a sequence (`bootstrap,gepa`). */
  optimizer: z.string(),
  /** The optimizers, in the order they run; each starts from the best state the one before found. */
  stages: z.array(stageSchema).min(1),
  /** The budget split given for a sequence, in percent of the budget by optimizer (absent: the default rule). */
  split: z.record(z.string(), z.number()).optional(),
  ...commonOptimizeFields,
});
// Versions 1 and 2: one optimizer and its settings, read as a run of one stage.
const singleFields = { optimizer: z.string(), settings: z.record(z.string(), z.unknown()), ...commonOptimizeFields };
const asStages = ({ optimizer, settings, ...rest }: z.infer<z.ZodObject<typeof singleFields>>): OptimizeRunConfig => ({ optimizer, stages: [{ optimizer, settings }], ...rest });
const optimizeV2 = z.object({ version: z.literal(2), ...singleFields }).transform(({ version: _v, ...c }) => asStages(c));
const optimizeV1 = z.object(singleFields).transform(asStages);

/** One side of a compare run: what was named, and what it ran as. */
const compareSideSchema = z.object({
  /** As named on the command line: a run, `run:candidate`, or a program file. */
  ref: z.string(),
  /** How `dspx compare` named it (`run abc123 (candidate 0f3e…)`, a file's path). */
  label: z.string(),
  /** The run its candidate came from (absent for a program file). */
  run: z.string().optional(),
  /**
   * The side's candidate in this run: its state hash, with `-b` added to B's when both sides have
   * the same state (the same prompts on other models), so that each side has results of its own.
   */
  candidate: z.string(),
  /** The program it ran: its name, file and the sha256 of its source. */
  program: z.object({ name: z.string(), file: z.string(), sha256: z.string() }),
  /** The models and endpoints its LM steps ran on. */
  models: z.array(z.string()),
  /** Its LM settings as recorded (a run side replays its run's, unless --lm put both on one model). */
  lm: recordedLmSchema,
  /**
   * Each step's module (the run row keeps only A's program source, and B may be another program).
   * Absent in compare runs recorded before it was added.
   */
  modules: z.record(z.string(), z.string()).optional(),
});

/** A compare run (`dspx compare a b`): the two sides scored on the same examples, B against A. Compare runs are recorded since version 3. */
const compareV3 = z.object({
  version: z.literal(3),
  a: compareSideSchema,
  b: compareSideSchema,
  /** The split (or file) both sides were scored on. */
  dataset: z.string(),
  limit: z.number().optional(),
  /** The paired bootstrap's seed (--seed; absent: the default). */
  seed: z.number().optional(),
  concurrency: z.number(),
  /** The command's own LM settings (--lm and the other LM flags). */
  lm: recordedLmSchema,
});

export type EvalRunConfig = Omit<z.infer<typeof evalV3>, "version">;
export type CompareRunConfig = Omit<z.infer<typeof compareV3>, "version">;
export type CompareSideConfig = z.infer<typeof compareSideSchema>;
export type OptimizeRunConfig = Omit<z.infer<typeof optimizeV3>, "version">;
export type RunStage = z.infer<typeof stageSchema>;
export type RunConfig = EvalRunConfig | OptimizeRunConfig | CompareRunConfig;

/** The configuration of a run of each kind. */
export interface RunConfigs {
  eval: EvalRunConfig;
  optimize: OptimizeRunConfig;
  compare: CompareRunConfig;
}

/** A configuration as it is stored: the current version, checked. */
export function writeRunConfig<K extends keyof RunConfigs>(kind: K, config: RunConfigs[K]): string {
  const schema = kind === "eval" ? evalV3 : kind === "optimize" ? optimizeV3 : compareV3;
  return JSON.stringify(schema.parse({ version: RUN_CONFIG_VERSION, ...config }));
}

/** A run's kind with its configuration. */
export type KindAndConfig = { kind: "eval"; config: EvalRunConfig } | { kind: "optimize"; config: OptimizeRunConfig } | { kind: "compare"; config: CompareRunConfig };

/** A stored configuration, of any version, as the current one (with the run's kind); or what makes it unreadable. */
export function readRunConfig(kind: keyof RunConfigs, json: unknown): StoredJson<KindAndConfig> {
  const version = json !== null && typeof json === "object" && !Array.isArray(json) ? (json as { version?: unknown }).version : undefined;
  if (version !== undefined && version !== RUN_CONFIG_VERSION && version !== 2) {
    return { ok: false, problem: `has version ${JSON.stringify(version)}, which this dspx does not read (it reads versions 1 to ${RUN_CONFIG_VERSION}; a newer dspx wrote it?)` };
  }
  if (kind === "eval") {
    const read = readEval(json, version);
    return read.ok ? { ok: true, value: { kind, config: read.value } } : read;
  }
  if (kind === "compare") {
    // Compare runs were first recorded at version 3: there is no older one to upgrade.
    const read = withoutVersion(readStoredValue(json, compareV3));
    return read.ok ? { ok: true, value: { kind, config: read.value } } : read;
  }
  const read = readOptimize(json, version);
  return read.ok ? { ok: true, value: { kind, config: read.value } } : read;
}

function readEval(json: unknown, version: unknown): StoredJson<EvalRunConfig> {
  if (version !== undefined) return withoutVersion(readStoredValue(json, evalV3));
  return readStoredValue(json, evalV1);
}

/** How a run chose its models: as recorded, or for the first eval runs (which kept only the program-level model) that model for a step naming none. */
export function recordedLmOf(config: RunConfig): RecordedLm {
  if (config.lm) return config.lm;
  return { defaultModel: (config as EvalRunConfig).model };
}

function readOptimize(json: unknown, version: unknown): StoredJson<OptimizeRunConfig> {
  if (version === RUN_CONFIG_VERSION) return withoutVersion(readStoredValue(json, optimizeV3));
  return readStoredValue(json, version === 2 ? optimizeV2 : optimizeV1);
}

function withoutVersion<T extends { version: number }>(read: StoredJson<T>): StoredJson<Omit<T, "version">> {
  if (!read.ok) return read;
  const { version: _version, ...config } = read.value;
  return { ok: true, value: config };
}

/** The dataset a run's scores are on: an eval or compare run's dataset, an optimize run's dev set. */
export function mainDataset(run: KindAndConfig): string {
  return run.kind === "optimize" ? run.config.devset : run.config.dataset;
}
