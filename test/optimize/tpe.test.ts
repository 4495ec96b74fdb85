import { describe, expect, it } from "vitest";
import { configKey, density, splitTrials, suggest, type Trial } from "../../src/optimize/tpe.js";
import { Rng } from "../../src/util/rng.js";

/** A separable objective with seeded option values per dimension, and its optimum. */
function objective(sizes: number[], seed: number) {
  const r = new Rng(`objective ${seed}`);
  const tables = sizes.map((n) => Array.from({ length: n }, () => r.next()));
  const f = (c: readonly number[]) => c.reduce((a, x, d) => a + tables[d]![x]!, 0);
  const best = tables.reduce((a, t) => a + Math.max(...t), 0);
  return { f, best };
}

const spaceSize = (sizes: number[]) => sizes.reduce((a, n) => a * n, 1);

/** Trials until the optimum is hit. Repeats are answered from the memo (the objective is not called). */
function searchTpe(sizes: number[], seed: number) {
  const { f, best } = objective(sizes, seed);
  const rng = new Rng(seed);
  const trials: Trial[] = [];
  const memo = new Map<string, number>();
  let calls = 0;
  for (let t = 1; t <= 5000; t++) {
    const config = suggest(sizes, trials, rng);
    const key = configKey(config);
    let value = memo.get(key);
    if (value === undefined) {
      value = f(config);
      calls++;
      memo.set(key, value);
    }
    trials.push({ config, value });
    if (Math.abs(value - best) < 1e-12) return { trials: t, calls };
  }
  throw new Error("TPE never found the optimum");
}

/** Random search without repeats (the fair rival: it never wastes a trial). */
function searchRandom(sizes: number[], seed: number) {
  const { f, best } = objective(sizes, seed);
  const rng = new Rng(seed);
  const seen = new Set<string>();
  for (let t = 1; ; t++) {
    let config: number[];
    do config = sizes.map((n) => rng.int(n));
    while (seen.has(configKey(config)));
    seen.add(configKey(config));
    if (Math.abs(f(config) - best) < 1e-12) return t;
  }
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const SEEDS = Array.from({ length: 20 }, (_, i) => i);

describe("TPE over categorical choices", () => {
  it.each([[[6, 6]], [[12, 12]], [[6, 6, 6, 6]], [[18, 18]]])("finds the optimum of %j in fewer trials than random search, on average over 20 seeds", (sizes) => {
    const tpe = mean(SEEDS.map((s) => searchTpe(sizes, s).trials));
    const random = mean(SEEDS.map((s) => searchRandom(sizes, s)));
    expect(tpe).toBeLessThan(random);
  });

  it("is at least twice as fast as random search once there are four dimensions", () => {
    const sizes = [6, 6, 6, 6];
    const tpe = mean(SEEDS.map((s) => searchTpe(sizes, s).trials));
    const random = mean(SEEDS.map((s) => searchRandom(sizes, s)));
    expect(tpe * 2).toBeLessThan(random);
  });

  it("in one dimension tries every option once before any repeats, so it finds the optimum within the option count", () => {
    for (const seed of SEEDS) {
      const { trials, calls } = searchTpe([6], seed);
      expect(trials).toBeLessThanOrEqual(6);
      expect(calls).toBe(trials);
    }
  });

  it("answers a space used up with repeats (the caller's memo), never an option out of range", () => {
    const sizes = [2, 2];
    const rng = new Rng(3);
    const trials: Trial[] = [];
    for (let t = 0; t < 12; t++) {
      const config = suggest(sizes, trials, rng);
      config.forEach((x, d) => {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(sizes[d]!);
      });
      trials.push({ config, value: config[0]! + config[1]! });
    }
    // The four configurations come first, each once; after that every suggestion is a repeat.
    expect(new Set(trials.slice(0, 4).map((t) => configKey(t.config))).size).toBe(4);
    expect(trials.slice(4).every((t) => trials.slice(0, 4).some((u) => configKey(u.config) === configKey(t.config)))).toBe(true);
  });

  it("handles dimensions with a single option and ties between trials", () => {
    const sizes = [1, 3, 1];
    const rng = new Rng(5);
    const trials: Trial[] = [{ config: [0, 0, 0], value: 0.5 }, { config: [0, 1, 0], value: 0.5 }, { config: [0, 2, 0], value: 0.5 }, { config: [0, 0, 0], value: 0.5 }];
    const next = suggest(sizes, trials, rng);
    expect(next[0]).toBe(0);
    expect(next[2]).toBe(0);
    // Ties rank the earlier trial first.
    expect(splitTrials(trials, 0.25).good).toEqual([trials[0]]);
  });

  it("is a function of the trials and the RNG: the same inputs give the same suggestions", () => {
    const sizes = [5, 4, 3];
    const run = () => {
      const rng = new Rng(11);
      const trials: Trial[] = [];
      for (let t = 0; t < 30; t++) {
        const config = suggest(sizes, trials, rng);
        trials.push({ config, value: objective(sizes, 1).f(config) });
      }
      return trials;
    };
    expect(run()).toEqual(run());
    // Resuming from the checkpointed trials and RNG state continues the same sequence.
    const rng = new Rng(11);
    const trials: Trial[] = [];
    for (let t = 0; t < 10; t++) {
      const config = suggest(sizes, trials, rng);
      trials.push({ config, value: objective(sizes, 1).f(config) });
    }
    const restored = new Rng(rng.state());
    expect(suggest(sizes, JSON.parse(JSON.stringify(trials)), restored)).toEqual(suggest(sizes, trials, rng));
  });

  it("puts more density on the good trials' options than on the bad ones'", () => {
    const sizes = [4, 4];
    const good: Trial[] = [{ config: [1, 2], value: 1 }];
    const o = { bandwidth: 0.4, prior: 1 };
    expect(density([1, 2], good, sizes, o)).toBeGreaterThan(density([3, 0], good, sizes, o));
  });

  it("refuses a dimension without options", () => {
    expect(() => suggest([3, 0], [], new Rng(1))).toThrow(/at least one option/);
  });
});
