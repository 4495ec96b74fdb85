import type { EvalRunConfig, OptimizeRunConfig } from "../../src/store/run-config.js";

/** A configuration as `dspx eval` records it, for tests that need a run in a store. */
export const EVAL_CONFIG: EvalRunConfig = { dataset: "dev", model: "sim", lm: { cache: true, defaultModel: "sim", env: {} }, concurrency: 8 };

/** A configuration as `dspx optimize` records it, for tests that need a run in a store. */
export const OPTIMIZE_CONFIG: OptimizeRunConfig = {
  optimizer: "labeled",
  stages: [{ optimizer: "labeled", settings: { k: 4 } }],
  seed: 0,
  concurrency: 8,
  limits: { calls: 2000 },
  defaultBudget: true,
  devset: "dev",
  data: { train: { file: "/train.jsonl", sha256: "0".repeat(64) }, dev: { splitFromTrain: true } },
  lm: { cache: true, defaultModel: "sim", env: {} },
};
