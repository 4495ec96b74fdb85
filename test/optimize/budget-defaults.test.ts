import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import { renderPlan } from "../../src/cli/render/optimize.js";
import type { BudgetLimits } from "../../src/optimize/budget.js";
import { optimize, type OptimizeFlags } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { InterruptedError } from "../../src/util/errors.js";
import { tempDir } from "./bootstrap-helpers.js";

/**
 * Which limits are in force: the 2,000 LM-call default stands in for a budget only when none of any
 * kind is given (flags or the program's optimize.budget); a user who gives only a time, USD or
 * rollouts budget gets that limit and no call cap. The plan line names every limit in force.
 * Each run is stopped as it starts (nothing is evaluated): only its limits and plan are looked at.
 * (How `optimize --help` explains it: test/cli/basics.test.ts.)
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** support-triage with an `optimize:` section (its data paths made absolute, so it can live elsewhere). */
async function withOptimizeSection(section: string): Promise<string> {
  const source = (await readFile(PROGRAM, "utf8")).replaceAll("../datasets/", `${path.join(ROOT, "datasets")}/`);
  const file = path.join(tempDir("dspx-budget-"), "program.yaml");
  await writeFile(file, `${source}\noptimize:\n${section}\n`);
  return file;
}

async function started(flags: Partial<OptimizeFlags>, program = PROGRAM): Promise<{ limits: BudgetLimits; plan: string }> {
  const store = Store.open(path.join(tempDir("dspx-budget-"), "dspx.db"));
  stores.push(store);
  const stop = new AbortController();
  let seen: { limits: BudgetLimits; plan: string } | undefined;
  const run = optimize(program, { optimizer: "gepa", lm: "sim", ...flags }, store, stop.signal, {
    onStart: (info) => {
      seen = { limits: info.limits, plan: renderPlan(info, createOutput({ color: false })) };
      stop.abort();
    },
  });
  await expect(run).rejects.toBeInstanceOf(InterruptedError);
  return seen!;
}

describe("the budget in force", () => {
  it("is the 2,000 LM-call default when no budget of any kind is given, and the plan says it is the default", async () => {
    const { limits, plan } = await started({});
    expect(limits).toEqual({ calls: 2000 });
    expect(plan).toContain("budget 2,000 LM calls (the default, as no budget was given) (140 calls kept for the final test evaluation)");
  });

  it("has no LM-call cap when only a time or USD budget is given on the command line", async () => {
    const time = await started({ budget: { timeMs: 30 * 60_000 } });
    expect(time.limits).toEqual({ timeMs: 30 * 60_000 });
    expect(time.plan).toMatch(/budget 30m\S* wall time, no LM-call limit · train/);
    const usd = await started({ budget: { usd: 5 } });
    expect(usd.limits).toEqual({ usd: 5 });
    expect(usd.plan).toContain("budget $5.00, no LM-call limit · train");
  });

  it("has no LM-call cap when only the program's optimize.budget gives a time budget, and flags add to it key by key", async () => {
    const program = await withOptimizeSection("  budget: { time: 30m }");
    expect((await started({}, program)).limits).toEqual({ timeMs: 30 * 60_000 });
    const both = await withOptimizeSection("  budget: { calls: 1000 }");
    const merged = await started({ budget: { usd: 5 } }, both);
    expect(merged.limits).toEqual({ calls: 1000, usd: 5 });
    expect(merged.plan).toContain("budget 1,000 LM calls, $5.00 (140 calls kept for the final test evaluation)");
  });
});
