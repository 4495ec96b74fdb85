import type { Rng } from "../util/rng.js";

/**
 * A tree-structured Parzen estimator over categorical choices, for maximizing a noisy objective.
 * A configuration picks one option per dimension (`sizes[d]` options in dimension d). Observed
 * trials are split into the best `gamma` share ("good") and the rest; each group is a density
 * made of one kernel per trial (keep that trial's option with probability 1 − `bandwidth`, any
 * option uniformly otherwise, jointly over the dimensions, so options that work together are
 * proposed together) and a uniform prior. Candidates are drawn from the good density and the one
 * with the highest good/bad density ratio is suggested. Everything is a function of the trials and
 * the RNG: the trials are the state to checkpoint, the RNG is the run's.
 */

/** One observed trial: the configuration (an option index per dimension) and its value. */
export interface Trial {
  config: number[];
  value: number;
}

export interface TpeOptions {
  /** Trials drawn uniformly before the model is used (the ones given count). */
  startup: number;
  /** Candidates drawn from the good density per suggestion. */
  candidates: number;
  /** Share of the trials that is "good" (at least one). */
  gamma: number;
  /** Chance a kernel replaces its trial's option by a uniform one. */
  bandwidth: number;
  /** Weight of the uniform prior in each density, in trials. */
  prior: number;
}

export const TPE_DEFAULTS: TpeOptions = { startup: 4, candidates: 24, gamma: 0.25, bandwidth: 0.4, prior: 1 };

export function configKey(config: readonly number[]): string {
  return config.join(",");
}

/** Every configuration of the space, when it has at most `limit`; undefined when larger. */
function allConfigs(sizes: readonly number[], limit: number): number[][] | undefined {
  let total = 1;
  for (const n of sizes) {
    total *= n;
    if (total > limit) return undefined;
  }
  const out: number[][] = [[]];
  for (const n of sizes) {
    const next: number[][] = [];
    for (const c of out) for (let i = 0; i < n; i++) next.push([...c, i]);
    out.splice(0, out.length, ...next);
  }
  return out;
}

function uniform(sizes: readonly number[], rng: Rng): number[] {
  return sizes.map((n) => rng.int(n));
}

/**
 * The trials ranked best first (higher value first; ties: the earlier trial first), split into
 * the good ones (the first ⌈gamma·n⌉, at least one) and the others.
 */
export function splitTrials(trials: readonly Trial[], gamma: number): { good: Trial[]; bad: Trial[] } {
  const ranked = trials.map((t, i) => ({ t, i })).sort((a, b) => b.t.value - a.t.value || a.i - b.i);
  const n = Math.max(1, Math.ceil(gamma * trials.length));
  return { good: ranked.slice(0, n).map((r) => r.t), bad: ranked.slice(n).map((r) => r.t) };
}

/** Density of `config` under kernels centred on `centres` plus a uniform prior of weight `prior`. */
export function density(config: readonly number[], centres: readonly Trial[], sizes: readonly number[], o: Pick<TpeOptions, "bandwidth" | "prior">): number {
  let uniformMass = 1;
  for (const n of sizes) uniformMass /= n;
  let sum = o.prior * uniformMass;
  for (const c of centres) {
    let p = 1;
    config.forEach((x, d) => {
      const n = sizes[d]!;
      p *= (x === c.config[d] ? 1 - o.bandwidth : 0) + o.bandwidth / n;
    });
    sum += p;
  }
  return sum / (centres.length + o.prior);
}

/** A draw from the good density: a kernel (or the prior) picked by weight, then each dimension perturbed. */
function drawFrom(centres: readonly Trial[], sizes: readonly number[], rng: Rng, o: TpeOptions): number[] {
  const pick = rng.weighted([...centres.map(() => 1), o.prior]);
  const centre = centres[pick];
  if (!centre) return uniform(sizes, rng);
  return sizes.map((n, d) => (rng.next() < o.bandwidth ? rng.int(n) : centre.config[d]!));
}

/**
 * The next configuration to try. During start-up: a uniform draw, redrawn (a few times) while it
 * repeats a tried configuration. Then: `candidates` draws from the good density, the best by the
 * ratio good/bad that has not been tried (a tried one only when every draw was, or the space is
 * used up); ties keep the earlier draw. A repeated configuration is the caller's to answer from
 * what it observed.
 */
export function suggest(sizes: readonly number[], trials: readonly Trial[], rng: Rng, options: Partial<TpeOptions> = {}): number[] {
  const o = { ...TPE_DEFAULTS, ...options };
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`every dimension needs at least one option, got [${sizes.join(", ")}]`);
  const tried = new Set(trials.map((t) => configKey(t.config)));
  if (trials.length < o.startup) {
    const untried = allConfigs(sizes, 4096)?.filter((c) => !tried.has(configKey(c)));
    if (untried) return untried.length > 0 ? rng.pick(untried) : uniform(sizes, rng);
    let draw = uniform(sizes, rng);
    for (let k = 0; k < 8 && tried.has(configKey(draw)); k++) draw = uniform(sizes, rng);
    return draw;
  }
  const { good, bad } = splitTrials(trials, o.gamma);
  let best: { config: number[]; score: number; fresh: boolean } | undefined;
  for (let k = 0; k < o.candidates; k++) {
    const config = drawFrom(good, sizes, rng, o);
    const score = Math.log(density(config, good, sizes, o)) - Math.log(density(config, bad, sizes, o));
    const fresh = !tried.has(configKey(config));
    if (!best || (fresh && !best.fresh) || (fresh === best.fresh && score > best.score)) best = { config, score, fresh };
  }
  if (best!.fresh) return best!.config;
  // Every draw was tried: in a space small enough to list, the untried configuration the model likes best.
  let fallback: { config: number[]; score: number } | undefined;
  for (const config of allConfigs(sizes, 4096) ?? []) {
    if (tried.has(configKey(config))) continue;
    const score = Math.log(density(config, good, sizes, o)) - Math.log(density(config, bad, sizes, o));
    if (!fallback || score > fallback.score) fallback = { config, score };
  }
  return fallback?.config ?? best!.config;
}
