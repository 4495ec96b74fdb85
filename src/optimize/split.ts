import type { Example } from "../program/example.js";
import { Rng } from "../util/rng.js";

/** Share of the train set held out as dev when a program has no dev set. */
export const DEV_SHARE = 0.3;

/**
 * Splits a train set into train and dev, deterministically by the seed (the same seed always
 * gives the same split), keeping the examples' order within each part.
 */
export function splitTrainDev(examples: readonly Example[], seed: number): { train: Example[]; dev: Example[] } {
  if (examples.length < 2) return { train: [...examples], dev: [...examples] };
  const rng = new Rng(`split:${seed}`);
  const order = rng.shuffle(examples.map((_, i) => i));
  const devCount = Math.max(1, Math.min(examples.length - 1, Math.round(examples.length * DEV_SHARE)));
  const dev = new Set(order.slice(0, devCount));
  return {
    train: examples.filter((_, i) => !dev.has(i)),
    dev: examples.filter((_, i) => dev.has(i)),
  };
}
