import { z } from "zod";
import type { ProgramSpec } from "../program/types.js";
import { parseDuration } from "../util/duration.js";
import { UserError, type Problem } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import type { BudgetLimits } from "./budget.js";
import { OPTIMIZERS, type OptimizerName } from "./types.js";

/** Built-in defaults, used when neither the command line nor the program's `optimize:` says. */
export const DEFAULTS = {
  optimizer: "gepa" as OptimizerName,
  seed: 0,
  concurrency: 8,
  budget: { calls: 2000 } as BudgetLimits,
};

const budgetSchema = z.strictObject({
  calls: z.number().int().positive().optional(),
  usd: z.number().positive().optional(),
  time: z.union([z.string(), z.number().positive()]).optional(),
  rollouts: z.number().int().positive().optional(),
});

export const optimizeSectionSchema = z.looseObject({
  optimizer: z.enum(OPTIMIZERS, { error: `expected one of: ${OPTIMIZERS.join(", ")}` }).optional(),
  seed: z.number().int().min(0).optional(),
  concurrency: z.number().int().positive().optional(),
  trainset: z.string().min(1).optional(),
  devset: z.string().min(1).optional(),
  budget: budgetSchema.optional(),
  teacher_lm: z.string().min(1).optional(),
  reflection_lm: z.string().min(1).optional(),
});

const COMMON_KEYS = Object.keys(optimizeSectionSchema.shape);

/** The program's `optimize:` section, validated; per-optimizer sections checked against that optimizer's defaults. */
export interface OptimizeSection {
  optimizer?: OptimizerName;
  seed?: number;
  concurrency?: number;
  trainset?: string;
  devset?: string;
  budget?: BudgetLimits;
  teacherLm?: string;
  reflectionLm?: string;
  /** `optimize.<optimizer>:` settings by optimizer name. */
  perOptimizer: Partial<Record<OptimizerName, Record<string, unknown>>>;
}

export function readOptimizeSection(spec: ProgramSpec, defaultsOf: (name: OptimizerName) => Record<string, unknown>): OptimizeSection {
  const raw = spec.optimize ?? {};
  const problems: Problem[] = [];
  const pos = (key: string) => spec.positions.get(`optimize.${key}`) ?? spec.positions.get("optimize") ?? { file: spec.file };
  const parsed = optimizeSectionSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join(".");
      problems.push({ message: `\`optimize.${key}\`: ${issue.message.replace(/^Invalid input: /, "")}`, pos: pos(key) });
    }
    throw new UserError(problems);
  }
  const section: OptimizeSection = { perOptimizer: {} };
  const p = parsed.data;
  if (p.optimizer) section.optimizer = p.optimizer;
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
    if (p.budget.rollouts !== undefined) b.rollouts = p.budget.rollouts;
    if (p.budget.time !== undefined) {
      const ms = typeof p.budget.time === "number" ? p.budget.time * 1000 : parseDuration(p.budget.time);
      if (ms === undefined || ms <= 0) problems.push({ message: "`optimize.budget.time`: expected a duration such as 30m or 2h", pos: pos("budget.time") });
      else b.timeMs = ms;
    }
    section.budget = b;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (COMMON_KEYS.includes(key)) continue;
    if (!(OPTIMIZERS as readonly string[]).includes(key)) {
      problems.push({
        message: `unknown key \`${key}\` in \`optimize\` (expected: ${[...COMMON_KEYS, ...OPTIMIZERS].join(", ")})`,
        pos: pos(key),
        hint: suggestionHint(key, [...COMMON_KEYS, ...OPTIMIZERS]),
      });
      continue;
    }
    const name = key as OptimizerName;
    const defaults = defaultsOf(name);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push({ message: `\`optimize.${key}\`: expected a mapping of settings (${Object.keys(defaults).join(", ")})`, pos: pos(key) });
      continue;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!(k in defaults)) {
        problems.push({ message: `unknown ${name} setting \`${k}\` (expected: ${Object.keys(defaults).join(", ")})`, pos: pos(`${key}.${k}`), hint: suggestionHint(k, Object.keys(defaults)) });
      } else if (typeof v !== typeof defaults[k] || (typeof v === "number" && (!Number.isFinite(v) || v < 0))) {
        problems.push({ message: `\`optimize.${key}.${k}\`: expected ${typeof defaults[k] === "number" ? "a number ≥ 0" : `a ${typeof defaults[k]}`}, like the default ${JSON.stringify(defaults[k])}`, pos: pos(`${key}.${k}`) });
      }
    }
    section.perOptimizer[name] = value as Record<string, unknown>;
  }
  if (problems.length > 0) throw new UserError(problems);
  return section;
}
