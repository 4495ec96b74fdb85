import type { Graph } from "../../../graph/types.js";
import type { Example } from "../../../program/example.js";
import type { Demo } from "../../../program/types.js";
import type { Rng } from "../../../util/rng.js";
import { labeledDemo } from "../../demos.js";
import type { BeamState } from "./state.js";

/** Share of the train set set aside for demos (when demos are used and the train set is large enough). */
export const DEMO_SHARE = 0.3;

/**
 * Splits the train ids (seeded) into a demo pool and a minibatch pool, each in train order. Kept
 * apart so that a candidate is never scored on an example it carries as a demo (sim, like a real
 * LM, copies a near-identical demo's answer, and that would reward demo sets for overlapping the
 * minibatch). With no demos, or fewer than 4 train examples, every example serves for both.
 */
export function splitPools(train: readonly Example[], demos: number, rng: Rng): { demoPool: string[]; batchPool: string[] } {
  const ids = train.map((e) => e.id);
  if (demos === 0 || ids.length < 4) return { demoPool: demos === 0 ? [] : ids, batchPool: ids };
  const count = Math.max(1, Math.min(ids.length - 2, Math.round(ids.length * DEMO_SHARE)));
  const chosen = new Set(rng.sample(ids, count));
  return { demoPool: ids.filter((id) => chosen.has(id)), batchPool: ids.filter((id) => !chosen.has(id)) };
}

/**
 * The next minibatch: the next `size` ids of a shuffled pass over the minibatch pool; a new pass
 * (reshuffled) starts when the current one runs out, so every example is seen before any repeats.
 * Mutates `state.order` and `state.cursor`.
 */
export function nextMinibatch(state: BeamState, size: number, rng: Rng): string[] {
  const want = Math.min(size, state.batchPool.length);
  const batch: string[] = [];
  while (batch.length < want) {
    if (state.cursor >= state.order.length) {
      state.order = rng.shuffle(state.batchPool);
      state.cursor = 0;
    }
    const id = state.order[state.cursor++]!;
    if (!batch.includes(id)) batch.push(id);
  }
  return batch;
}

/** k labeled demos for one step, drawn (seeded) from the demo pool's examples that can label it. */
export function freshDemos(graph: Graph, step: string, pool: readonly Example[], k: number, rng: Rng): Demo[] {
  const labeled = pool.flatMap((e) => {
    const d = labeledDemo(graph, step, e);
    return d ? [d] : [];
  });
  return rng.sample(labeled, k);
}
