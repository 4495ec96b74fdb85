import type { z } from "zod";
import { beamSettings } from "./optimizers/beam/settings.js";
import { bootstrapSettings } from "./optimizers/bootstrap/settings.js";
import { gepaSettings } from "./optimizers/gepa/settings.js";
import { labeledSettings } from "./optimizers/labeled-settings.js";
import { miproSettings } from "./optimizers/mipro/settings.js";
import { randomSearchSettings } from "./optimizers/random-search-settings.js";
import type { OptimizerName } from "./types.js";

/**
 * Each optimizer's settings schema, without the optimizer: checking an `optimize:` section (as
 * `dspx validate` does) loads these and none of the search code. The registry's optimizers carry
 * the same objects (a test holds them equal).
 */
export const OPTIMIZER_SETTINGS: Record<OptimizerName, z.ZodObject> = {
  labeled: labeledSettings,
  bootstrap: bootstrapSettings,
  random_search: randomSearchSettings,
  beam: beamSettings,
  gepa: gepaSettings,
  mipro: miproSettings,
};
