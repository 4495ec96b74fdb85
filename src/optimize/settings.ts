import { z } from "zod";
import type { ProgramSpec } from "../program/types.js";
import { parseDuration } from "../util/duration.js";
import { UserError } from "../util/errors.js";
import type { BudgetLimits } from "./budget.js";
import { OPTIMIZER_SETTINGS } from "./optimizer-settings.js";
import { sectionProblems } from "./settings-problems.js";
import { sequenceProblems } from "./sequence.js";
import { jsonSchemaOf } from "./settings-table.js";
import { OPTIMIZERS, type Optimizer, type OptimizerName } from "./types.js";

/** Built-in defaults, used when neither the command line nor the program's `optimize:` says. */
export const DEFAULTS = {
  optimizer: "beam" as OptimizerName,
  seed: 0,
  concurrency: 8,
  budget: { calls: 2000 } as BudgetLimits,
};

const durationText = z.string().refine((t) => (parseDuration(t) ?? 0) > 0);

/** `optimize.budget:`; the `--budget-*` flags override it key by key. */
export const budgetSchema = z.strictObject({
  calls: z.number().int().min(1).optional().describe("most LM calls of every kind (student, teacher, proposals, reflections, judges); 2000 when no budget of any kind is given"),
  usd: z.number().positive().optional().describe("most money to spend, in US dollars (the model's prices must be known)"),
  time: z
    .union([z.number().positive(), durationText])
    .transform((t) => (typeof t === "number" ? t * 1000 : parseDuration(t)!))
    .meta({ title: "duration: 90s, 30m, 2h, 1d (a bare number: seconds)" })
    .optional()
    .describe("most wall time"),
  rollouts: z.number().int().min(1).optional().describe("most metric calls: (candidate, example) evaluations"),
});

const optimizerName = z.enum(OPTIMIZERS);

/** A share of the budget: `20%` (or the bare number 20), more than 0 and at most 100; `--budget-split` reads its shares with it too. */
export const percent = z
  .union([z.number().gt(0).max(100), z.string().regex(/^\s*\d+(\.\d+)?\s*%\s*$/)])
  .transform((p) => (typeof p === "number" ? p : Number.parseFloat(p)))
  .refine((p) => p > 0 && p <= 100)
  .meta({ title: "percentage: 20% (or 20), more than 0 and at most 100" });

/** `optimize.budget_split:`: the share of the budget each optimizer of a sequence may use. */
export const budgetSplitSchema = z.strictObject(Object.fromEntries(OPTIMIZERS.map((name) => [name, percent.optional()])) as Record<OptimizerName, z.ZodOptional<typeof percent>>);

/** The keys every `optimize:` section may have besides one block per optimizer. */
export const commonShape = {
  optimizer: z
    .union([optimizerName, z.array(optimizerName).min(1)])
    .meta({ title: `one of: ${OPTIMIZERS.join(", ")}, or a list of them to run in sequence` })
    .optional()
    .describe(`the optimizer \`dspx optimize\` runs without --optimizer (default ${DEFAULTS.optimizer}), or a list run in sequence: [bootstrap, gepa]`),
  budget_split: budgetSplitSchema
    .optional()
    .describe("for a sequence, each optimizer's share of the budget in percent ({ bootstrap: 20%, gepa: 80% }); default: what each one's plan can use, the rest shared by those without a bound"),
  seed: z.number().int().min(0).optional().describe(`seed of every random choice (default ${DEFAULTS.seed})`),
  concurrency: z.number().int().min(1).optional().describe(`examples in flight at once (default ${DEFAULTS.concurrency})`),
  trainset: z.string().min(1).optional().describe("train examples, relative to the program file (default: data.train)"),
  devset: z.string().min(1).optional().describe("dev examples (default: data.dev, else a seeded split of train)"),
  budget: budgetSchema.optional().describe("limits of the run: the first reached ends it"),
  teacher_lm: z.string().min(1).optional().describe("model that runs the program to bootstrap demos (default: the student's)"),
  reflection_lm: z.string().min(1).optional().describe("model that proposes and reflects on instructions (default: the student's)"),
};

const optimizerBlocks = Object.fromEntries(OPTIMIZERS.map((name) => [name, OPTIMIZER_SETTINGS[name].optional()])) as Record<OptimizerName, z.ZodOptional<z.ZodObject>>;

/** The whole `optimize:` section: the common keys and an `optimize.<name>:` block per optimizer, each its own schema. */
export const optimizeSectionSchema = z.strictObject({ ...commonShape, ...optimizerBlocks });

/** The program's `optimize:` section, validated; each optimizer's block parsed with its schema. */
export interface OptimizeSection {
  /** The optimizer, or the optimizers run in sequence. */
  optimizer?: OptimizerName[];
  /** For a sequence: each optimizer's share of the budget, in percent (they add up to 100). */
  budgetSplit?: Partial<Record<OptimizerName, number>>;
  seed?: number;
  concurrency?: number;
  trainset?: string;
  devset?: string;
  budget?: BudgetLimits;
  teacherLm?: string;
  reflectionLm?: string;
  /** `optimize.<optimizer>:` settings by optimizer name, defaults filled in, for the blocks present. */
  perOptimizer: Partial<Record<OptimizerName, Record<string, unknown>>>;
}

/**
 * Reads the program's `optimize:` section, every problem at once with its file:line:column (a
 * UserError). `dspx validate` and `dspx optimize` both call this, so they agree on what is wrong.
 */
export function readOptimizeSection(spec: ProgramSpec): OptimizeSection {
  const raw = spec.optimize ?? {};
  const parsed = optimizeSectionSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(sectionProblems(parsed.error.issues, jsonSchemaOf(optimizeSectionSchema), raw, spec));
  const p = parsed.data;
  const section: OptimizeSection = { perOptimizer: {} };
  if (p.optimizer) section.optimizer = typeof p.optimizer === "string" ? [p.optimizer] : p.optimizer;
  if (p.budget_split) section.budgetSplit = definedShares(p.budget_split);
  const problems = sequenceProblems(section.optimizer, section.budgetSplit, spec.positions);
  if (problems.length > 0) throw new UserError(problems);
  if (p.seed !== undefined) section.seed = p.seed;
  if (p.concurrency !== undefined) section.concurrency = p.concurrency;
  if (p.trainset) section.trainset = p.trainset;
  if (p.devset) section.devset = p.devset;
  if (p.teacher_lm) section.teacherLm = p.teacher_lm;
  if (p.reflection_lm) section.reflectionLm = p.reflection_lm;
  if (p.budget) {
    const b: BudgetLimits = {};
    if (p.budget.calls !== undefined) b.calls = p.budget.calls;
    if (p.budget.usd !== undefined) b.usd = p.budget.usd;
    if (p.budget.time !== undefined) b.timeMs = p.budget.time;
    if (p.budget.rollouts !== undefined) b.rollouts = p.budget.rollouts;
    section.budget = b;
  }
  for (const name of OPTIMIZERS) {
    const block = p[name];
    if (block) section.perOptimizer[name] = block;
  }
  return section;
}

function definedShares(split: Partial<Record<OptimizerName, number | undefined>>): Partial<Record<OptimizerName, number>> {
  return Object.fromEntries(Object.entries(split).filter(([, v]) => v !== undefined)) as Partial<Record<OptimizerName, number>>;
}

/** The settings a new run of `name` uses: its block of the section, or its defaults. */
export function optimizerSettings(section: OptimizeSection, name: OptimizerName): Record<string, unknown> {
  return section.perOptimizer[name] ?? OPTIMIZER_SETTINGS[name].parse({});
}

/**
 * The settings a run recorded, read back for `dspx resume` with the optimizer's schema. Keys it no
 * longer has are dropped and keys added since take their defaults. Runs recorded before settings had
 * schemas may hold what beam and gepa used to accept and round: a fraction of a whole-number setting,
 * or 0 where at least 1 is needed. They are read as those optimizers read them then (rounded down,
 * raised to the least value), so the run resumes with the settings it ran with.
 */
export function recordedSettings(optimizer: Optimizer<unknown, z.ZodObject>, stored: unknown): Record<string, unknown> {
  const lenient = z.object(optimizer.settings.shape);
  const read = lenient.safeParse(stored);
  if (read.success) return read.data;
  const rounded = lenient.safeParse(roundedAsBefore(optimizer.settings, stored));
  if (rounded.success) return rounded.data;
  const what = rounded.error.issues.map((i) => `\`${i.path.join(".")}\`: ${i.message.replace(/^Invalid input: /, "")}`).join("; ");
  throw new UserError(`the run's recorded ${optimizer.name} settings cannot be read (${what}); start a new run`);
}

function roundedAsBefore(schema: z.ZodObject, stored: unknown): unknown {
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return stored;
  const properties = jsonSchemaOf(schema).properties ?? {};
  const out: Record<string, unknown> = { ...(stored as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    const field = properties[key];
    if (typeof field !== "object" || field.type !== "integer" || typeof value !== "number" || !Number.isFinite(value)) continue;
    out[key] = Math.max(field.minimum ?? 0, Math.floor(value));
  }
  return out;
}
