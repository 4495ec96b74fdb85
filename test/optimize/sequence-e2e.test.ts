import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import { renderReport } from "../../src/cli/render/optimize.js";
import { optimize, resume, type OptimizeFlags, type OptimizeReport } from "../../src/optimize/run.js";
import { programStateSchema } from "../../src/program/state.js";
import { Store } from "../../src/store/store.js";
import { UserError } from "../../src/util/errors.js";
import { once } from "../support/once.js";
import { programWithSection } from "../support/program-copy.js";
import { runOutcome } from "../support/run-outcome.js";
import { tempDir } from "./bootstrap-helpers.js";

/**
 * bootstrap then GEPA on support-triage with sim, through the driver: one run, the second stage
 * starting from the first one's best, one budget split between them, resumable in either stage.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");
const ORIGINAL = "Route the message to the team that should handle it and judge its urgency.";
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function openStore(): Store {
  const store = Store.open(path.join(tempDir("dspx-sequence-"), "dspx.db"));
  stores.push(store);
  return store;
}

const flags: OptimizeFlags = { optimizer: ["bootstrap", "gepa"], lm: "sim", budget: { calls: 1200 }, seed: 0 };

const uninterrupted = once(async () => {
  const store = openStore();
  return { store, report: await optimize(PROGRAM, { ...flags }, store, new AbortController().signal) };
});

/** Candidates as the store numbers them, with their origins and parents. */
const candidates = (s: Store, id: string) => s.runs.candidates(id).map((c) => `${c.hash} ${c.origin} ${c.parents.join(",")}`);
const story = (s: Store, id: string) => s.runs.events(id).filter((e) => e.type !== "resumed").map((e) => `${e.type}: ${String(e.data.summary ?? "")}`);

describe("optimizers in sequence, end to end on sim", () => {
  it("runs bootstrap, then GEPA from bootstrap's best: the result has bootstrap's demos and GEPA's instruction", async () => {
    const { store, report } = await uninterrupted();
    expect(report.optimizer).toBe("bootstrap,gepa");
    expect(report.stages!.map((s) => s.optimizer)).toEqual(["bootstrap", "gepa"]);
    const [first, second] = report.stages!;
    expect(first!.ended).toBe("done");
    expect(first!.dev).toBeGreaterThan(report.baseline.dev.mean);
    expect(second!.dev).toBeGreaterThan(first!.dev);
    expect(report.best.candidate).toBe(second!.best);
    expect(report.steps).toBe(first!.steps + second!.steps);
    // GEPA's first child is a child of bootstrap's best, and the best keeps its demos.
    const stored = store.runs.candidates(report.runId);
    const bootstrapBest = stored.find((c) => c.hash === first!.best)!;
    expect(bootstrapBest.origin).toBe("bootstrap");
    expect(stored.find((c) => c.origin === "reflection")!.parents).toEqual([first!.best]);
    const route = report.best.state.steps.route!;
    expect(route.demos).toEqual(programStateSchema.parse(bootstrapBest.state).steps.route!.demos);
    expect(route.demos.length).toBeGreaterThan(0);
    expect(route.instruction.startsWith(ORIGINAL)).toBe(true);
    expect(route.instruction).not.toBe(ORIGINAL);
    // The test split is scored once, at the end, for the baseline and the final best only.
    const tested = new Set(store.evaluations.results(report.runId, { dataset: "test" }).map((r) => r.candidate));
    expect([...tested].sort()).toEqual([report.baseline.candidate, report.best.candidate].sort());

    // Recorded: the stages in the run's configuration, how each ended in its totals and events.
    const run = store.runs.get(report.runId)!;
    expect(run.kind === "optimize" && run.config.stages.map((s) => s.optimizer)).toEqual(["bootstrap", "gepa"]);
    expect(run.kind === "optimize" && run.config.stages[1]!.settings).toMatchObject({ minibatch: 16, patience: 20 });
    expect(run.totals.stages).toEqual(JSON.parse(JSON.stringify(report.stages)));
    const stage = store.runs.events(report.runId).filter((e) => e.type === "stage");
    expect(stage).toHaveLength(1);
    expect(stage[0]!.data).toMatchObject({ stage: 1, optimizer: "bootstrap", ended: "done", best: first!.best });
    const text = renderReport(report, "support-triage.yaml", createOutput({ color: false }));
    expect(text).toMatch(/stages {3}1\. bootstrap: \d+ steps, best [0-9a-f]{10} dev 0\.\d{3}; finished\n {9}2\. gepa: \d+ steps, best/);
  });

  it("splits one budget by the stated rule: a stage stops at its share, the next has what is left", async () => {
    // optimizing budget: 1,200 − 140 kept for test = 1,060; the baseline's 70, then 20% of 990 for bootstrap.
    const file = await programWithSection("support-triage", "  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 20%, gepa: 80% }");
    const store = openStore();
    let plan = "";
    const report = await optimize(file, { lm: "sim", budget: { calls: 1200 }, seed: 0 }, store, new AbortController().signal, { onStart: (i) => (plan = i.plan.buys) });
    expect(plan).toContain("budget split as given (--budget-split, else optimize.budget_split): bootstrap 20% (≈ 198 LM calls), gepa 80% (≈ 792 LM calls)");
    const stage = store.runs.events(report.runId).find((e) => e.type === "stage")!;
    expect(stage.data.limits).toEqual({ calls: 70 + 198 });
    expect(Number(stage.data.calls)).toBeLessThanOrEqual(70 + 198);
    // bootstrap wanted 270 (200 teacher calls and the dev evaluation): its collection was cut short to fit.
    expect(report.stages![0]!.ended).toBe("done");
    expect(report.usage.calls).toBeLessThanOrEqual(1200);
    expect(report.usage.calls).toBeGreaterThan(1100);
  });

  it("refuses a split that leaves a stage less than its least step, naming where the split is", async () => {
    const file = await programWithSection("support-triage", "  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 1%, gepa: 99% }");
    const run = optimize(file, { lm: "sim", budget: { calls: 1200 }, seed: 0 }, openStore(), new AbortController().signal);
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(/cannot buy a single bootstrap,gepa step here/);
  });

  it("refuses a split that does not fit the sequence --optimizer names, at the split's place in the file", async () => {
    const file = await programWithSection("support-triage", "  budget_split: { bootstrap: 20%, gepa: 80% }");
    const run = optimize(file, { optimizer: ["labeled", "gepa"], lm: "sim", seed: 0 }, openStore(), new AbortController().signal);
    await expect(run).rejects.toThrow(/support-triage\.yaml:\d+:\d+: `optimize\.budget_split\.bootstrap`: `bootstrap` is not in the sequence \(labeled, gepa\)/);
  });

  it("takes --budget-split over the program's split, records it, and a resumed run reads it back", async () => {
    const file = await programWithSection("support-triage", "  optimizer: [bootstrap, gepa]\n  budget_split: { bootstrap: 20%, gepa: 80% }");
    const store = openStore();
    const abort = new AbortController();
    let runId = "";
    let plan = "";
    const given: OptimizeFlags = { lm: "sim", budget: { calls: 1200 }, seed: 0, budgetSplit: { bootstrap: 50, gepa: 50 } };
    // Interrupted in the first stage, before the split has limited anything.
    const first = optimize(file, given, store, abort.signal, { onStart: (i) => ((runId = i.runId), (plan = i.plan.buys)), onEvent: (type) => type === "proposal" && abort.abort() });
    await expect(first).rejects.toThrow();
    expect(plan).toContain("budget split as given (--budget-split, else optimize.budget_split): bootstrap 50% (≈ 495 LM calls), gepa 50% (≈ 495 LM calls)");
    const run = store.runs.get(runId)!;
    expect(run.kind === "optimize" && run.config.split).toEqual({ bootstrap: 50, gepa: 50 });
    let resumedPlan = "";
    const resumed = (await resume(runId, store, new AbortController().signal, { onStart: (i) => (resumedPlan = i.plan.buys) })) as OptimizeReport;
    expect(resumedPlan).toContain("bootstrap 50% (≈ 495 LM calls), gepa 50% (≈ 495 LM calls)");
    // bootstrap's stage ran under its half of what the baseline's 70 calls left of the 1,060.
    const stage = store.runs.events(resumed.runId).find((e) => e.type === "stage")!;
    expect(stage.data.limits).toEqual({ calls: 70 + 495 });
  });

  it("refuses a --budget-split that does not fit the sequence, naming the flag, before any LM call", async () => {
    const store = openStore();
    const run = optimize(PROGRAM, { optimizer: ["labeled", "gepa"], budgetSplit: { bootstrap: 20, gepa: 80 }, lm: "sim", seed: 0 }, store, new AbortController().signal);
    await expect(run).rejects.toThrow("--budget-split: `bootstrap` is not in the sequence (labeled, gepa)\n--budget-split: gives no share to `labeled`; it gives one to each optimizer of the sequence (labeled, gepa)");
    const single = optimize(PROGRAM, { optimizer: "gepa", budgetSplit: { gepa: 100 }, lm: "sim", seed: 0 }, store, new AbortController().signal);
    await expect(single).rejects.toThrow("--budget-split: splits the budget of a sequence (--optimizer bootstrap,gepa), and this run has one optimizer (gepa)");
    expect(store.runs.list()).toEqual([]);
  });

  it("resumed after an interruption in the second stage, ends exactly where an uninterrupted run ends", async () => {
    const { store: referenceStore, report: reference } = await uninterrupted();
    const store = openStore();
    const abort = new AbortController();
    let runId = "";
    let inSecond = false;
    await expect(
      optimize(PROGRAM, { ...flags }, store, abort.signal, {
        onStart: (info) => (runId = info.runId),
        onEvent: (type) => {
          if (type === "stage") inSecond = true;
          else if (inSecond && type === "accepted") abort.abort();
        },
      }),
    ).rejects.toThrow();
    expect(store.runs.resolve(runId).status).toBe("interrupted");
    const resumed = (await resume(runId, store, new AbortController().signal)) as OptimizeReport;
    expect(runOutcome(resumed)).toEqual(runOutcome(reference));
    expect(resumed.stages).toEqual(reference.stages);
    expect(candidates(store, runId)).toEqual(candidates(referenceStore, reference.runId));
    expect(story(store, runId)).toEqual(story(referenceStore, reference.runId));
  });
});
