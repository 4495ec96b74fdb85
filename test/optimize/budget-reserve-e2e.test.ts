import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import { renderPlan, renderReport } from "../../src/cli/render/optimize.js";
import { optimize, type OptimizeHooks } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "./bootstrap-helpers.js";

/**
 * The final test evaluation of the baseline and the best candidate is kept out of the optimizing
 * budget for rollouts as it is for LM calls; when a budget that cannot be kept back (time, USD)
 * leaves nothing for it, the report says so instead of leaving the test score out silently.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe("the final test evaluation under a rollouts budget", () => {
  it("keeps rollouts back for it, so the test split is scored, and refuses a rollouts budget too small for one step", async () => {
    const store = Store.open(path.join(tempDir(), "dspx.db"));
    stores.push(store);
    const run = (rollouts: number, hooks: OptimizeHooks = {}) => optimize(PROGRAM, { optimizer: "gepa", lm: "sim", budget: { rollouts }, seed: 0 }, store, new AbortController().signal, hooks);

    const refusal = await run(200).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as Error).message).toMatch(/200 rollouts cannot buy a single gepa step here: .* give at least --budget-rollouts \d+/);
    const least = Number(/--budget-rollouts (\d+)$/.exec((refusal as Error).message)?.[1]);
    await expect(run(least - 1)).rejects.toBeInstanceOf(UserError);

    let plan = "";
    const report = await run(400, { onStart: (info) => (plan = renderPlan(info, createOutput({ color: false }))) });
    // With only a rollouts budget there is no LM-call limit, so no calls are shown kept back.
    expect(plan).toContain("budget 400 rollouts, no LM-call limit (140 rollouts kept for the final test evaluation)");
    expect(report.ended).toBe("budget");
    expect(report.budgetReason).toBe("rollouts");
    expect(report.usage.rollouts).toBeLessThanOrEqual(400);
    expect(report.testSkipped).toBeUndefined();
    expect(report.baseline.test?.n).toBe(70);
    expect(report.best.test?.n).toBe(70);

    // Time and money cannot be kept back: when they run out first, the summary says the test split was not scored.
    const { test: _b, ...baseline } = report.baseline;
    const { test: _t, ...best } = report.best;
    const text = renderReport({ ...report, baseline, best, testSkipped: "time" }, "programs/support-triage.yaml", createOutput({ color: false }));
    expect(text).toContain("test     not evaluated: the time budget was used up before it");
    expect(renderReport(report, "programs/support-triage.yaml", createOutput({ color: false }))).not.toContain("not evaluated");
  });
});
