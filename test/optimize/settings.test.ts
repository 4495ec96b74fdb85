import { describe, expect, it } from "vitest";
import { OPTIMIZER_REGISTRY } from "../../src/optimize/registry.js";
import { optimizerSettings, readOptimizeSection, recordedSettings } from "../../src/optimize/settings.js";
import { settingRows } from "../../src/optimize/settings-table.js";
import { OPTIMIZERS } from "../../src/optimize/types.js";
import { readProgramText } from "../../src/program/load.js";
import type { ProgramSpec } from "../../src/program/types.js";
import { formatProblem, UserError } from "../../src/util/errors.js";

const FILE = "test/optimize/settings-program.yaml";

/** A valid program (lines 1–7) with `optimize:` on line 8 and `section` from line 9 on. */
async function specWith(section: string): Promise<ProgramSpec> {
  const text = ["name: p", "inputs: { q: string }", "outputs: { a: s.a }", "steps:", "  s:", "    signature: q -> a", "metric: { exact_match: a }", "optimize:", section].join("\n");
  const read = await readProgramText(FILE, text);
  expect(read.problems).toEqual([]);
  return read.spec;
}

/** The problems readOptimizeSection reports, one formatted line each (fails when it reports none). */
async function problems(section: string): Promise<string[]> {
  const spec = await specWith(section);
  try {
    readOptimizeSection(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).problems.map(formatProblem);
  }
  throw new Error("expected problems, got none");
}

describe("the optimize: section", () => {
  it("names a misspelt optimizer at its value, with the names it takes and a did-you-mean", async () => {
    expect(await problems("  optimizer: gepaa")).toEqual([
      `${FILE}:9:14: \`optimize.optimizer\`: expected one of: labeled, bootstrap, random_search, beam, gepa, mipro, or a list of them to run in sequence, got the text "gepaa" (did you mean \`gepa\`?)`,
    ]);
  });

  it("reads a sequence of optimizers and its budget split, in percent", async () => {
    const section = readOptimizeSection(await specWith("  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 20%, gepa: 80 }"));
    expect(section.optimizer).toEqual(["bootstrap", "gepa"]);
    expect(section.budgetSplit).toEqual({ bootstrap: 20, gepa: 80 });
    expect(readOptimizeSection(await specWith("  optimizer: gepa")).optimizer).toEqual(["gepa"]);
  });

  it("names what is wrong with a sequence where it is written: a misspelt optimizer in it, one named twice, an empty list", async () => {
    expect(await problems("  optimizer: [bootstrap, gepx]")).toEqual([
      `${FILE}:9:26: \`optimize.optimizer.1\`: expected one of: labeled, bootstrap, random_search, beam, gepa, mipro, got the text "gepx" (did you mean \`gepa\`?)`,
    ]);
    expect(await problems("  optimizer: [gepa, bootstrap, gepa]")).toEqual([`${FILE}:9:32: \`optimize.optimizer\`: \`gepa\` is already in the sequence; a sequence runs each optimizer once`]);
    expect(await problems("  optimizer: []")).toEqual([`${FILE}:9:14: \`optimize.optimizer\`: expected at least 1 item, got an empty list`]);
  });

  it("checks the budget split: a share for each optimizer of the sequence and no other, adding up to 100%, each a percentage", async () => {
    expect(await problems("  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 30%, labeled: 70% }")).toEqual([
      `${FILE}:10:17: \`optimize.budget_split\`: gives no share to \`gepa\`; it gives one to each optimizer of the sequence (bootstrap, gepa)`,
      `${FILE}:10:44: \`optimize.budget_split.labeled\`: \`labeled\` is not in the sequence (bootstrap, gepa)`,
    ]);
    expect(await problems("  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 30%, gepa: 60% }")).toEqual([`${FILE}:10:17: \`optimize.budget_split\`: the shares add up to 90%, not 100%`]);
    expect(await problems("  budget_split: { bootstrap: 0, gepx: 100% }")).toEqual([
      `${FILE}:9:30: \`optimize.budget_split.bootstrap\`: expected a percentage: 20% (or 20), more than 0 and at most 100, got number 0`,
      `${FILE}:9:33: unknown key \`gepx\` in \`optimize.budget_split\` (expected one of: labeled, bootstrap, random_search, beam, gepa, mipro) (did you mean \`gepa\`?)`,
    ]);
    expect(await problems("  budget_split: { gepa: half }")).toEqual([`${FILE}:9:25: \`optimize.budget_split.gepa\`: expected a percentage: 20% (or 20), more than 0 and at most 100, got the text "half"`]);
  });

  it("names a misspelt budget key at the key, and a budget value that is not what the key takes", async () => {
    expect(await problems("  budget:\n    callz: 5\n    usd: -1\n    time: 10x")).toEqual([
      `${FILE}:10:5: unknown key \`callz\` in \`optimize.budget\` (expected one of: calls, usd, time, rollouts) (did you mean \`calls\`?)`,
      `${FILE}:11:10: \`optimize.budget.usd\`: expected a number > 0, got number -1`,
      `${FILE}:12:11: \`optimize.budget.time\`: expected a duration: 90s, 30m, 2h, 1d (a bare number: seconds), got the text "10x"`,
    ]);
  });

  it("reads the budget's time with its unit (a bare number is seconds)", async () => {
    expect(readOptimizeSection(await specWith("  budget: { calls: 50, time: 30m, rollouts: 9, usd: 0.5 }")).budget).toEqual({ calls: 50, timeMs: 1_800_000, rollouts: 9, usd: 0.5 });
    expect(readOptimizeSection(await specWith("  budget: { time: 90 }")).budget).toEqual({ timeMs: 90_000 });
  });

  it("checks optimize.gepa: with gepa's schema: a bad value at the value, an unknown setting at its key", async () => {
    expect(await problems("  gepa:\n    minibatch: 2.5\n    merge: 3")).toEqual([
      `${FILE}:10:16: \`optimize.gepa.minibatch\`: expected a whole number ≥ 1, got number 2.5`,
      `${FILE}:11:5: unknown key \`merge\` in \`optimize.gepa\` (expected one of: minibatch, merges, merge_subsample, iterations, patience) (did you mean \`merges\`?)`,
    ]);
  });

  it("checks optimize.beam: with beam's schema, whichever optimizer runs", async () => {
    expect(await problems("  optimizer: gepa\n  beam: { width: 0, proposals: three }")).toEqual([
      `${FILE}:10:18: \`optimize.beam.width\`: expected a whole number ≥ 1, got number 0`,
      `${FILE}:10:32: \`optimize.beam.proposals\`: expected a whole number ≥ 1, got the text "three"`,
    ]);
  });

  it("checks every other optimizer's block too, and says when one is not a mapping", async () => {
    expect(await problems("  labeled: { k: -1 }\n  bootstrap: { threshold: 2 }\n  random_search: { candidates: 1.5 }\n  gepa:")).toEqual([
      `${FILE}:9:17: \`optimize.labeled.k\`: expected a whole number ≥ 0, got number -1`,
      `${FILE}:10:27: \`optimize.bootstrap.threshold\`: expected a number from 0 to 1, got number 2`,
      `${FILE}:11:32: \`optimize.random_search.candidates\`: expected a whole number ≥ 0, got number 1.5`,
      `${FILE}:12:3: \`optimize.gepa\`: expected a mapping (minibatch, merges, merge_subsample, iterations, patience), got nothing (null)`,
    ]);
  });

  it("names an unknown block at its key, with a did-you-mean", async () => {
    expect(await problems("  gepaa:\n    minibatch: 4")).toEqual([
      `${FILE}:9:3: unknown key \`gepaa\` in \`optimize\` (expected one of: optimizer, budget_split, seed, concurrency, trainset, devset, budget, teacher_lm, reflection_lm, labeled, bootstrap, random_search, beam, gepa, mipro) (did you mean \`gepa\`?)`,
    ]);
  });

  it("gives an optimizer its block with the defaults filled in, as a run records it (keys in the schema's order)", async () => {
    const section = readOptimizeSection(await specWith("  gepa: { iterations: 3, minibatch: 4 }"));
    const gepa = optimizerSettings(section, "gepa");
    expect(gepa).toEqual({ minibatch: 4, merges: 5, merge_subsample: 8, iterations: 3, patience: 20 });
    expect(Object.keys(gepa)).toEqual(["minibatch", "merges", "merge_subsample", "iterations", "patience"]);
    expect(optimizerSettings(section, "beam")).toEqual({ width: 3, proposals: 3, minibatch: 40, demos: 4, iterations: 0, patience: 2 });
  });
});

describe("each optimizer's settings schema", () => {
  it("gives every setting a default and a description", () => {
    for (const name of OPTIMIZERS) {
      const rows = settingRows(OPTIMIZER_REGISTRY[name].settings);
      expect(rows.length, name).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.default, `${name}.${row.name}`).toBeDefined();
        expect(row.description, `${name}.${row.name}`).not.toBe("");
        expect(row.description, `${name}.${row.name}`).not.toContain("\n");
      }
      expect(OPTIMIZER_REGISTRY[name].description, name).not.toBe("");
    }
  });
});

describe("settings a run recorded", () => {
  it("read back as they were stored", () => {
    const stored = { width: 2, proposals: 1, minibatch: 8, demos: 0, iterations: 1, patience: 0 };
    expect(recordedSettings(OPTIMIZER_REGISTRY.beam, stored)).toEqual(stored);
  });

  it("take the defaults of settings added since and drop settings removed since", () => {
    expect(recordedSettings(OPTIMIZER_REGISTRY.gepa, { minibatch: 4, merges: 0, retired: true })).toEqual({ minibatch: 4, merges: 0, merge_subsample: 8, iterations: 0, patience: 20 });
  });

  it("recorded before the schemas are read as beam and gepa read them then: rounded down, raised to the least value", () => {
    expect(recordedSettings(OPTIMIZER_REGISTRY.beam, { width: 0, proposals: 2.7, minibatch: 0.5, demos: 1.5, iterations: 0, patience: 2 })).toEqual({
      width: 1,
      proposals: 2,
      minibatch: 1,
      demos: 1,
      iterations: 0,
      patience: 2,
    });
    expect(recordedSettings(OPTIMIZER_REGISTRY.gepa, { minibatch: 0, merges: 5, merge_subsample: 3.9, iterations: 0 })).toEqual({ minibatch: 1, merges: 5, merge_subsample: 3, iterations: 0, patience: 20 });
  });

  it("that cannot be read stop the resume with a UserError naming the setting", () => {
    expect(() => recordedSettings(OPTIMIZER_REGISTRY.bootstrap, { threshold: "high" })).toThrow(UserError);
    expect(() => recordedSettings(OPTIMIZER_REGISTRY.bootstrap, { threshold: "high" })).toThrow(/threshold/);
    expect(() => recordedSettings(OPTIMIZER_REGISTRY.gepa, null)).toThrow(UserError);
  });
});
