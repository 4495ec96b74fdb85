import type { LMRequest } from "../types.js";
import { hashOf } from "../../util/canonical.js";
import { Rng } from "../../util/rng.js";

/**
 * How sampling perturbs sim's decisions. Without sampling (temperature 0 or sample 0) it is the
 * identity, so sim is exactly deterministic; with sampling it is a seeded Rng, so each sample of
 * a prompt differs from the others yet replays identically.
 */
export interface Noise {
  readonly active: boolean;
  /** A weight times a factor in [1 - SPREAD, 1 + SPREAD]. */
  scale(weight: number): number;
  /** Index of the winner among n tied candidates. */
  breakTie(n: number): number;
}

const SPREAD = 0.3;

export const NO_NOISE: Noise = { active: false, scale: (w) => w, breakTie: () => 0 };

export function noiseFor(request: Pick<LMRequest, "temperature" | "sample" | "meta">): Noise {
  if (!(request.temperature > 0 && request.sample > 0)) return NO_NOISE;
  const rng = new Rng(hashOf({ meta: request.meta, sample: request.sample }));
  return {
    active: true,
    scale: (w) => w * (1 + SPREAD * (2 * rng.next() - 1)),
    breakTie: (n) => (n <= 1 ? 0 : rng.int(n)),
  };
}
