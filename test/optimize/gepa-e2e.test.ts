import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize, resume, type OptimizeReport } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { once } from "../support/once.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const ORIGINAL = "Route the message to the team that should handle it and judge its urgency.";
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function openStore(): Store {
  const store = Store.open(path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-gepa-")), "dspx.db"));
  stores.push(store);
  return store;
}

const flags = { optimizer: "gepa", lm: "sim", budget: { calls: 700 }, seed: 0 } as const;

/** The uninterrupted run, made once: the first test looks at it, the resume test compares with it. */
const uninterrupted = once(async () => {
  const store = openStore();
  return { store, report: await optimize(PROGRAM, { ...flags }, store, new AbortController().signal) };
});

describe("GEPA, end to end through the driver on sim", () => {
  it("improves support-triage on dev by rewriting the instruction", async () => {
    const { store, report } = await uninterrupted();
    expect(report.optimizer).toBe("gepa");
    expect(report.plan.buys).toMatch(/GEPA iterations/);
    expect(report.best.dev.mean).toBeGreaterThan(report.baseline.dev.mean);
    const instruction = report.best.state.steps.route!.instruction;
    expect(instruction).not.toBe(ORIGINAL);
    expect(instruction.startsWith(ORIGINAL)).toBe(true);
    // What it learned: cue lines naming a team or an urgency.
    expect(instruction).toMatch(/\n- (billing|technical|account|shipping|returns|security|other|low|normal|high): \S/);
    // Only instructions change: no demos.
    expect(report.best.state.steps.route!.demos).toEqual([]);
    // Rollouts and reflection calls are counted apart, and within the budget.
    expect(report.usage.proposalCalls).toBeGreaterThan(0);
    expect(report.usage.calls).toBeLessThanOrEqual(700);

    const events = store.runs.events(report.runId);
    const types = events.map((e) => e.type);
    expect(types).toContain("proposal");
    expect(types).toContain("accepted");
    const accepted = events.find((e) => e.type === "accepted")!.data;
    expect(accepted).toMatchObject({ step: "route" });
    expect(typeof accepted.reflectionCalls).toBe("number");
    expect(typeof accepted.rollouts).toBe("number");
    const candidates = store.runs.candidates(report.runId);
    const best = candidates.find((c) => c.hash === report.best.candidate)!;
    expect(best.origin).toBe("reflection");
    expect(best.parents).toHaveLength(1);
  });

  it("resumed after an interruption, ends exactly where an uninterrupted run ends", async () => {
    const { store: referenceStore, report: reference } = await uninterrupted();

    const store = openStore();
    const abort = new AbortController();
    let runId = "";
    let accepted = 0;
    await expect(
      optimize(PROGRAM, { ...flags }, store, abort.signal, {
        onStart: (info) => (runId = info.runId),
        onEvent: (type) => {
          if (type === "accepted" && ++accepted === 2) abort.abort();
        },
      }),
    ).rejects.toThrow();
    expect(store.runs.resolve(runId).status).toBe("interrupted");
    const resumed = (await resume(runId, store, new AbortController().signal)) as OptimizeReport;
    expect(resumed.best.candidate).toBe(reference.best.candidate);
    expect(resumed.best.dev.mean).toBe(reference.best.dev.mean);
    expect(resumed.usage.calls).toBe(reference.usage.calls);
    const hashes = (s: Store, id: string) => s.runs.candidates(id).map((c) => `${c.hash} ${c.origin} ${c.parents.join(",")}`).sort();
    expect(hashes(store, runId)).toEqual(hashes(referenceStore, reference.runId));
  });
});
