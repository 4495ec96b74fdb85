import { z } from "zod";
import { bootstrapShape } from "../bootstrap/settings.js";

/** What each preset sets: candidates per LM step and the most dev examples used. */
export const PRESETS = {
  light: { candidates: 6, dev: 100 },
  medium: { candidates: 12, dev: 300 },
  heavy: { candidates: 18, dev: 1000 },
} as const;

/**
 * `optimize.mipro:`. The preset (`auto`) fills what is left at 0; bootstrap's keys say how the
 * demo candidates are collected (DSPy's MIPROv2 defaults: 4 bootstrapped, 4 labeled).
 */
export const miproSettings = z.strictObject({
  auto: z.enum(["light", "medium", "heavy"]).default("light").describe("preset: candidates 6 / 12 / 18, dev examples used at most 100 / 300 / 1000, trials from the number of choices"),
  candidates: z.number().int().min(0).default(0).describe("instruction candidates and demo-set candidates per LM step (each counting the program's own); 0: the preset's"),
  trials: z.number().int().min(0).default(0).describe("search trials after the baseline; 0: max(2·v·log2(candidates), 1.5·candidates), v = 2 per LM step"),
  max_dev: z.number().int().min(0).default(0).describe("dev examples the search uses at most (a seeded sample); 0: the preset's"),
  minibatch: z.number().int().min(1).default(35).describe("dev examples each trial is scored on, drawn with the seed"),
  full_eval_every: z.number().int().min(1).default(5).describe("trials between full dev evaluations of the best configuration not yet fully evaluated"),
  max_bootstrapped: bootstrapShape.max_bootstrapped,
  max_labeled: z.number().int().min(0).default(4).describe("demos per LM step in all: labeled demos fill what bootstrapped ones leave"),
  rounds: bootstrapShape.rounds,
  threshold: bootstrapShape.threshold,
});

export type MiproSettings = z.output<typeof miproSettings>;

/** The sizes a run works with, the preset applied. */
export interface MiproShape {
  candidates: number;
  maxDev: number;
  trials: number;
}

/**
 * Candidates and dev cap from the settings or the preset; trials from the settings or, as DSPy's
 * MIPROv2 derives them, from the choices: v variables (an instruction and a demo set per LM step;
 * only the instruction when no demos are learned) over `candidates` options each.
 */
export function miproShape(s: MiproSettings, lmSteps: number): MiproShape {
  const preset = PRESETS[s.auto];
  const candidates = Math.max(1, s.candidates || preset.candidates);
  const maxDev = s.max_dev || preset.dev;
  const zeroShot = s.max_bootstrapped === 0 && s.max_labeled === 0;
  const vars = Math.max(1, lmSteps) * (zeroShot ? 1 : 2);
  const derived = Math.max(Math.ceil(2 * vars * Math.log2(Math.max(2, candidates))), Math.ceil(1.5 * candidates));
  return { candidates, maxDev, trials: s.trials || derived };
}
