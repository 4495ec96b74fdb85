import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize, resume, type OptimizeFlags } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { InterruptedError } from "../../src/util/errors.js";
import { tempDir } from "./bootstrap-helpers.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const FLAGS: OptimizeFlags = { optimizer: "random_search", lm: "sim", budget: { calls: 700 }, seed: 3 };
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function openStore(): Store {
  const store = Store.open(path.join(tempDir(), "dspx.db"));
  stores.push(store);
  return store;
}

const candidates = (store: Store, runId: string) => store.runs.candidates(runId).map((c) => ({ hash: c.hash, origin: c.origin, parents: c.parents }));

describe("random_search, end to end on sim", () => {
  it("improves support-triage on dev until the budget runs out", async () => {
    const store = openStore();
    const report = await optimize(PROGRAM, FLAGS, store, new AbortController().signal);
    expect(report.ended).toBe("budget");
    expect(report.best.dev.mean).toBeGreaterThan(report.baseline.dev.mean);
    expect(report.candidates).toBeGreaterThan(3);
    expect(report.usage.calls).toBeLessThanOrEqual(700);
  });

  it("ends where an uninterrupted run ends when interrupted mid-step and resumed", async () => {
    // A budget the search does not exhaust, so the run ends because the search is done.
    const flags: OptimizeFlags = { ...FLAGS, budget: { calls: 2000 } };
    const reference = openStore();
    const straight = await optimize(PROGRAM, flags, reference, new AbortController().signal);
    expect(straight.ended).toBe("done");

    const store = openStore();
    const controller = new AbortController();
    let runId = "";
    let proposals = 0;
    const interrupted = optimize(PROGRAM, flags, store, controller.signal, {
      onStart: (info) => (runId = info.runId),
      onEvent: (type) => {
        if (type === "proposal" && ++proposals === 3) controller.abort();
      },
    });
    await expect(interrupted).rejects.toBeInstanceOf(InterruptedError);
    const resumed = await resume(runId, store, new AbortController().signal);
    if ("alreadyFinished" in resumed) throw new Error("the run should not have finished");
    expect(resumed.best.candidate).toBe(straight.best.candidate);
    expect(resumed.best.dev.mean).toBe(straight.best.dev.mean);
    expect(resumed.ended).toBe("done");
    expect(resumed.steps).toBe(straight.steps);
    expect(resumed.best.test?.mean).toBe(straight.best.test?.mean);
    expect(candidates(store, runId)).toEqual(candidates(reference, straight.runId));
  });
});
