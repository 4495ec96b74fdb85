import { describe, expect, it } from "vitest";
import { optimizerCatalog } from "../../src/optimize/catalog.js";
import { runCli } from "../support/cli.js";

describe("dspx optimizers", () => {
  it("--json lists every optimizer's settings as the schemas give them, only JSON on stdout", async () => {
    const r = await runCli(["optimizers", "--json"]);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.stdout);
    expect(listed).toEqual(optimizerCatalog());
    const gepa = listed.optimizers.find((o: { name: string }) => o.name === "gepa");
    expect(gepa.isDefault).toBe(false);
    expect(listed.optimizers.filter((o: { isDefault: boolean }) => o.isDefault).map((o: { name: string }) => o.name)).toEqual(["beam"]);
    expect(gepa.settings[0]).toEqual({ name: "minibatch", type: "whole number ≥ 1", default: 16, description: expect.stringContaining("train examples") });
  });
});
