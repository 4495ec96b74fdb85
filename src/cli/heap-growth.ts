import { setFlagsFromString } from "node:v8";

/**
 * How much V8 lets the old generation grow past what was live at its last full collection, in
 * percent (V8's own factor is 1.1–4×, chosen from how fast collection is).
 */
const HEAP_GROWING_PERCENT = 20;

/**
 * Below this many examples the heap's growth is left to V8: more frequent full collections cost
 * a short evaluation 10–20% of its throughput (`npm run bench overhead`, 2,000 requests) for memory
 * it does not need.
 */
const LONG_EVALUATION = 10_000;

/**
 * Keeps a long evaluation's heap near what is live. Each example's result and trace outlive a few
 * young-generation collections (they wait for the store and the streamed outputs), so they die in
 * the old generation, and with V8's default factor the heap of a 100k-row `eval` climbed to twice
 * what was live before each full collection: peak memory grew with the run's length although
 * nothing it holds does. A smaller factor means more frequent full collections of a heap that
 * stays small (measured in bench eval-memory). Process-wide, so only commands that stream many
 * results call it, and only for a long run (`examples` at least LONG_EVALUATION).
 */
export function boundHeapGrowth(examples: number): void {
  if (examples < LONG_EVALUATION) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
