import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import { renderReport } from "../../src/cli/render/optimize.js";
import { optimize } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { programWithSection } from "../support/program-copy.js";
import { tempDir } from "./bootstrap-helpers.js";

/**
 * GEPA on product-qa with sim at the default budget: after its first few children, reflection
 * keeps giving back instructions it already has (sim's cue lines stop changing), so nearly every
 * iteration makes nothing new. With patience the run stops there and says so; without, it spends
 * the budget on cheap empty iterations, and the plan's range must still hold the count it ran.
 */
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function run(section: string) {
  const store = Store.open(path.join(tempDir("dspx-patience-"), "dspx.db"));
  stores.push(store);
  const file = await programWithSection("product-qa", section);
  const report = await optimize(file, { optimizer: "gepa", lm: "sim", seed: 0 }, store, new AbortController().signal);
  return { store, report };
}

describe("GEPA's patience, end to end on sim", () => {
  it("stops a stuck run after 20 iterations without a new candidate, and records and shows why", async () => {
    const { store, report } = await run("  gepa: {}");
    expect(report.ended).toBe("done");
    expect(report.doneReason).toBe("no new candidates in 20 iterations");
    // It stopped well before the 2,000-call budget ran out.
    expect(report.usage.calls).toBeLessThan(1500);
    expect(report.best.dev.mean).toBeGreaterThan(report.baseline.dev.mean);
    const row = store.runs.get(report.runId)!;
    expect(row.totals).toMatchObject({ ended: "done", doneReason: "no new candidates in 20 iterations" });
    const events = store.runs.events(report.runId);
    // The last 20 iterations before the stop made nothing new.
    const stopped = events.find((e) => e.type === "stopped")!;
    expect(stopped.data.summary).toMatch(/^GEPA stops after \d+ iterations: no new candidates in 20 iterations$/);
    const lastNew = Math.max(...events.filter((e) => e.type === "proposal" || e.type === "merge" || e.type === "merge-rejected").map((e) => Number(e.data.iteration)));
    expect(report.steps - lastNew).toBe(20);
    expect(renderReport(report, "product-qa.yaml", createOutput({ color: false }))).toContain("ended    the optimizer stopped: no new candidates in 20 iterations");
  });

  it("without patience, runs a number of iterations inside the plan's range", async () => {
    const { report } = await run("  gepa: { patience: 0 }");
    expect(report.ended).toBe("budget");
    const range = /^≈ (\d+)–(\d+) GEPA iterations/.exec(report.plan.buys);
    expect(range, report.plan.buys).not.toBeNull();
    // (The plan used to say 25–56 here, and 104 ran.)
    expect(report.steps).toBeGreaterThan(56);
    expect(report.steps).toBeGreaterThanOrEqual(Number(range![1]));
    expect(report.steps).toBeLessThanOrEqual(Number(range![2]));
  });
});
