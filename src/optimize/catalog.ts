import { OPTIMIZER_REGISTRY } from "./registry.js";
import { budgetSchema, DEFAULTS } from "./settings.js";
import { settingRows, type SettingRow } from "./settings-table.js";
import { OPTIMIZERS, type OptimizerName } from "./types.js";

export interface OptimizerEntry {
  name: OptimizerName;
  description: string;
  /** The one `dspx optimize` runs when neither --optimizer nor `optimize.optimizer` names one. */
  isDefault: boolean;
  /** What `optimize.<name>:` takes. */
  settings: SettingRow[];
}

/** Every optimizer and the budget keys, as `dspx optimizers` and the README list them: read from the schemas. */
export interface OptimizerCatalog {
  optimizers: OptimizerEntry[];
  /** What `optimize.budget:` takes. */
  budget: SettingRow[];
}

export function optimizerCatalog(): OptimizerCatalog {
  return {
    optimizers: OPTIMIZERS.map((name) => ({
      name,
      description: OPTIMIZER_REGISTRY[name].description,
      isDefault: name === DEFAULTS.optimizer,
      settings: settingRows(OPTIMIZER_REGISTRY[name].settings),
    })),
    budget: settingRows(budgetSchema),
  };
}
