import type { Rng } from "../../../util/rng.js";

/**
 * Where the minibatch sampler is: train examples (by index) in a seeded shuffled order, consumed
 * `size` at a time; a new epoch reshuffles. Plain JSON, checkpointed with the optimizer's state.
 */
export interface SamplerState {
  order: number[];
  position: number;
  epoch: number;
}

export function newSampler(): SamplerState {
  return { order: [], position: 0, epoch: 0 };
}

/**
 * The next minibatch of `size` train indices out of `n`, and the sampler after it. Every example
 * is seen once per epoch (the few left at an epoch's end, fewer than a batch, start the next one's
 * shuffle afresh). The RNG is drawn only when an epoch starts.
 */
export function nextMinibatch(sampler: SamplerState, n: number, size: number, rng: Rng): { batch: number[]; sampler: SamplerState } {
  const k = Math.max(1, Math.min(size, n));
  let { order, position, epoch } = sampler;
  if (order.length !== n || position + k > order.length) {
    order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    position = 0;
    epoch += 1;
  }
  return { batch: order.slice(position, position + k), sampler: { order, position: position + k, epoch } };
}
