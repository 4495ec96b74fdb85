import type { Optimizer } from "../types.js";

// Being written: see the optimizer list. (Placeholder so the registry compiles meanwhile.)
export const gepa: Optimizer<{ done: true }> = {
  name: "gepa",
  defaults: {},
  plan: () => ({ buys: "not written yet", minimumCalls: Number.MAX_SAFE_INTEGER }),
  init: async () => ({ done: true }),
  step: async (_ctx, state) => ({ state, done: true }),
  best: () => {
    throw new Error("gepa is not written yet");
  },
};
