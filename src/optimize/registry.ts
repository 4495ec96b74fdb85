import { beam } from "./optimizers/beam.js";
import { bootstrap } from "./optimizers/bootstrap.js";
import { gepa } from "./optimizers/gepa.js";
import { labeled } from "./optimizers/labeled.js";
import { mipro } from "./optimizers/mipro/mipro.js";
import { randomSearch } from "./optimizers/random-search.js";
import type { Optimizer, OptimizerName } from "./types.js";

/**
 * Every optimizer `--optimizer` may name, each with its settings schema (`.settings`): what
 * `optimize.<name>:` takes. Adding one is one file here and one line below, and its schema in
 * optimizer-settings.ts.
 */
export const OPTIMIZER_REGISTRY: Readonly<Record<OptimizerName, Optimizer<any, any>>> = {
  labeled,
  bootstrap,
  random_search: randomSearch,
  beam,
  gepa,
  mipro,
};
