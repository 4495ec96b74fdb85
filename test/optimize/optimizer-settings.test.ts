import { describe, expect, it } from "vitest";
import { OPTIMIZER_SETTINGS } from "../../src/optimize/optimizer-settings.js";
import { OPTIMIZER_REGISTRY } from "../../src/optimize/registry.js";
import { OPTIMIZERS } from "../../src/optimize/types.js";

describe("optimizer settings without the optimizers", () => {
  it("are the very schemas the registry's optimizers run with, for every optimizer", () => {
    for (const name of OPTIMIZERS) expect(OPTIMIZER_SETTINGS[name], name).toBe(OPTIMIZER_REGISTRY[name].settings);
  });
});
