import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { optimizeCommand, type OptimizeCommandFlags } from "../../src/cli/commands/optimize.js";
import { EXIT } from "../../src/cli/errors.js";
import { runInProcess } from "../support/command.js";

/**
 * The plan line names the seed in force wherever it comes from: --seed, the program's
 * optimize.seed, or the default (it used to show only a --seed flag). The command runs in this
 * process and is stopped as soon as it prints its plan (nothing is evaluated).
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");

async function planLine(file: string, flags: Partial<OptimizeCommandFlags> = {}): Promise<string | undefined> {
  const db = path.join(await mkdtemp(path.join(os.tmpdir(), "dspx-seed-")), "dspx.db");
  const r = await runInProcess((ctx) => optimizeCommand(file, { optimizer: "labeled", lm: "sim", budgetCalls: 300, db, ...flags }, ctx), { stopAt: /^plan/ });
  expect(r.code, r.stderr).toBe(EXIT.interrupted);
  return r.stdout.split("\n").find((l) => l.startsWith("plan"));
}

describe("the plan line's seed", () => {
  it("is shown when it is the default, when it comes from optimize.seed, and when --seed gives it", async () => {
    expect(await planLine(PROGRAM)).toMatch(/ · seed 0$/);

    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-seed-"));
    const source = (await readFile(PROGRAM, "utf8")).replaceAll("../datasets/", `${path.join(ROOT, "datasets")}/`);
    const file = path.join(dir, "program.yaml");
    await writeFile(file, `${source}\noptimize:\n  seed: 5\n`);
    expect(await planLine(file)).toMatch(/ · seed 5$/);
    expect(await planLine(file, { seed: 9 })).toMatch(/ · seed 9$/);
  });
});
