import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

/**
 * The plan line names the seed in force wherever it comes from: --seed, the program's
 * optimize.seed, or the default (it used to show only a --seed flag). `labeled` on `sim` is the
 * cheapest whole run: one candidate scored on dev.
 */
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const cheap = ["--optimizer", "labeled", "--lm", "sim", "--budget-calls", "300"];
const planLine = (stdout: string) => stdout.split("\n").find((l) => l.startsWith("plan"));

describe("the plan line's seed", () => {
  it("is shown when it is the default, when it comes from optimize.seed, and when --seed gives it", async () => {
    const byDefault = await runCli(["optimize", PROGRAM, ...cheap]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(planLine(byDefault.stdout)).toMatch(/ · seed 0$/);

    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-seed-"));
    const source = (await readFile(PROGRAM, "utf8")).replaceAll("../datasets/", `${path.join(ROOT, "datasets")}/`);
    const file = path.join(dir, "program.yaml");
    await writeFile(file, `${source}\noptimize:\n  seed: 5\n`);
    const fromSection = await runCli(["optimize", file, ...cheap]);
    expect(fromSection.code, fromSection.stderr).toBe(0);
    expect(planLine(fromSection.stdout)).toMatch(/ · seed 5$/);

    const fromFlag = await runCli(["optimize", file, ...cheap, "--seed", "9"]);
    expect(fromFlag.code, fromFlag.stderr).toBe(0);
    expect(planLine(fromFlag.stdout)).toMatch(/ · seed 9$/);
  });
});
