import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogMarkdown } from "../../src/cli/render/optimizers.js";
import { optimizerCatalog } from "../../src/optimize/catalog.js";

const README = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
const BEGIN = "<!-- optimizer-settings:begin (generated: dspx optimizers --markdown) -->";
const END = "<!-- optimizer-settings:end -->";

describe("the README's optimizer settings", () => {
  it("are the tables the schemas give (regenerate with `dspx optimizers --markdown`)", () => {
    const start = README.indexOf(BEGIN);
    const end = README.indexOf(END);
    expect(start, "the README's begin marker").toBeGreaterThan(-1);
    expect(end, "the README's end marker").toBeGreaterThan(start);
    expect(README.slice(start + BEGIN.length, end).trim()).toBe(catalogMarkdown(optimizerCatalog()));
  });

  it("name each default in the overview table as the schemas have it", () => {
    const catalog = optimizerCatalog();
    let checked = 0;
    for (const o of catalog.optimizers) {
      const row = README.split("\n").find((line) => line.startsWith(`| \`${o.name}\` `));
      expect(row, `the overview row of ${o.name}`).toBeDefined();
      // "`minibatch` (16)": a setting named with its default in parentheses (after the name cell).
      const cells = row!.slice(row!.indexOf("|", 1));
      for (const [, name, value] of cells.matchAll(/`(\w+)` \(([^)]+)\)/g)) {
        const setting = o.settings.find((s) => s.name === name);
        expect(setting, `${o.name}.${name} in the README`).toBeDefined();
        expect(value, `${o.name}.${name}'s default in the README`).toBe(String(setting!.default));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});
