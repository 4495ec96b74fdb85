import { UserError } from "../../../util/errors.js";

/** What `bootstrap` and `random_search` share: how traces are collected and demos filled in. */
export interface BootstrapSettings {
  /** Traces of passing train examples kept as demos, per LM step. */
  maxBootstrapped: number;
  /**
   * Demos per LM step in all (DSPy's `max_labeled_demos`): labeled demos of other train examples
   * fill the places bootstrapped ones leave.
   */
  maxLabeled: number;
  /** Passes over the train set; pass r > 0 re-tries the examples that failed with teacher sample r. */
  rounds: number;
  /** A teacher trace passes when its example's score reaches this. */
  threshold: number;
}

/**
 * Defaults, as the program's `optimize.bootstrap:` / `optimize.random_search:` sections spell them.
 * Why these values: see the optimizers' comments.
 */
export const BOOTSTRAP_DEFAULTS = { max_bootstrapped: 4, max_labeled: 16, rounds: 1, threshold: 1 } as const;

/** Reads and checks the shared settings (the driver has checked types and signs already). */
export function readBootstrapSettings(optimizer: string, settings: Record<string, unknown>): BootstrapSettings {
  const num = (key: keyof typeof BOOTSTRAP_DEFAULTS) => {
    const v = settings[key] ?? BOOTSTRAP_DEFAULTS[key];
    return typeof v === "number" ? v : Number.NaN;
  };
  const out: BootstrapSettings = {
    maxBootstrapped: num("max_bootstrapped"),
    maxLabeled: num("max_labeled"),
    rounds: num("rounds"),
    threshold: num("threshold"),
  };
  const problems: string[] = [];
  const whole = (key: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) problems.push(`\`optimize.${optimizer}.${key}\`: expected a whole number ≥ ${min}, got ${String(v)}`);
  };
  whole("max_bootstrapped", out.maxBootstrapped, 0);
  whole("max_labeled", out.maxLabeled, 0);
  whole("rounds", out.rounds, 1);
  if (!(out.threshold >= 0 && out.threshold <= 1)) problems.push(`\`optimize.${optimizer}.threshold\`: expected a score between 0 and 1, got ${String(out.threshold)}`);
  if (problems.length > 0) throw new UserError(problems.map((message) => ({ message })));
  return out;
}

/** Labeled demos to add to `bootstrapped` traced ones so a step has `maxLabeled` demos in all. */
export function labeledFill(settings: BootstrapSettings, bootstrapped: number): number {
  return Math.max(0, settings.maxLabeled - bootstrapped);
}
