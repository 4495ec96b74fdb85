import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "./bootstrap-helpers.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe("bootstrap, end to end on sim", () => {
  it("improves support-triage on dev within a small budget", async () => {
    const store = Store.open(path.join(tempDir(), "dspx.db"));
    stores.push(store);
    const report = await optimize(
      path.join(ROOT, "programs/support-triage.yaml"),
      { optimizer: "bootstrap", lm: "sim", budget: { calls: 500 }, seed: 0 },
      store,
      new AbortController().signal,
    );
    expect(report.ended).toBe("done");
    expect(report.best.dev.mean).toBeGreaterThan(report.baseline.dev.mean);
    expect(report.best.test?.mean).toBeGreaterThan(report.baseline.test!.mean);
    const demos = report.best.state.steps.route!.demos;
    expect(demos).toHaveLength(16);
    // Traced demos (with the teacher's reasoning) come first and carry gold-correct outputs.
    const traced = demos.filter((d) => "reasoning" in d);
    expect(traced.length).toBeGreaterThan(0);
    expect(traced.length).toBeLessThanOrEqual(4);
    const events = store.runs.events(report.runId).map((e) => e.type);
    expect(events).toContain("demos");
    expect(events).toContain("accepted");
  });

  it("still scores a candidate on dev at the least budget its refusal names", async () => {
    const store = Store.open(path.join(tempDir(), "dspx.db"));
    stores.push(store);
    const program = path.join(ROOT, "programs/support-triage.yaml");
    const run = (calls: number) => optimize(program, { optimizer: "bootstrap", lm: "sim", budget: { calls }, seed: 0 }, store, new AbortController().signal);
    const refusal = await run(100).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(UserError);
    const least = Number(/give at least --budget-calls (\d+)/.exec((refusal as Error).message)?.[1]);
    expect(least).toBeGreaterThan(100);
    await expect(run(least - 1)).rejects.toBeInstanceOf(UserError);
    // Teacher traces are still missing when the budget left would not pay for another teacher batch
    // and the dev evaluation: bootstrap stops collecting and scores the demos it has.
    const report = await run(least);
    expect(report.usage.calls).toBeLessThanOrEqual(least);
    const events = store.runs.events(report.runId);
    const scored = events.filter((e) => (e.type === "accepted" || e.type === "rejected") && typeof e.data.score === "number");
    expect(scored).toHaveLength(1);
    expect(scored[0]!.data.candidate).not.toBe(report.baseline.candidate);
    expect(events.map((e) => e.type)).toContain("demos");
  });
});
