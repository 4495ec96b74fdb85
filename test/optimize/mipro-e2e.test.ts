import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize, resume, type OptimizeFlags, type OptimizeReport } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { InterruptedError } from "../../src/util/errors.js";
import { runOutcome } from "../support/run-outcome.js";
import { tempDir } from "./bootstrap-helpers.js";

/**
 * mipro end to end on sim: it improves the classification examples and the agent example on dev
 * and test, does at least as well as random_search at the same rollout budget, is a function of its
 * seed (the store holds the same candidates, scores and events), and resumes from an interruption
 * in any phase to the uninterrupted run's end.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const program = (name: string) => path.join(ROOT, `programs/${name}.yaml`);
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function openStore(): Store {
  const store = Store.open(path.join(tempDir("dspx-mipro-"), "dspx.db"));
  stores.push(store);
  return store;
}

async function run(name: string, flags: OptimizeFlags): Promise<{ report: OptimizeReport; store: Store }> {
  const store = openStore();
  return { report: await optimize(program(name), { lm: "sim", ...flags }, store, new AbortController().signal), store };
}

/** What a run left in the store: candidates in creation order, every result, and the event log. */
async function contents(store: Store, runId: string) {
  await store.flush();
  return {
    candidates: store.runs.candidates(runId).map((c) => `${c.seq} ${c.hash} ${c.origin} ${c.parents.join(",")}`),
    results: store.evaluations.results(runId, {}).map((r) => `${r.candidate} ${r.dataset} ${r.exampleId} ${r.score}`).sort(),
    events: store.runs.events(runId).filter((e) => e.type !== "resumed").map((e) => `${e.type}: ${String(e.data.summary ?? "")}`),
  };
}

describe("mipro on the example programs, offline with sim", () => {
  it.each(["support-triage", "incident-triage", "order-agent"])("improves %s over the baseline on dev and on test (default settings and budget)", async (name) => {
    const { report } = await run(name, { optimizer: "mipro" });
    expect(report.best.dev.mean).toBeGreaterThan(report.baseline.dev.mean);
    expect(report.best.test!.mean).toBeGreaterThan(report.baseline.test!.mean);
    expect(report.usage.calls).toBeLessThanOrEqual(2000);
    expect(report.usage.proposalCalls).toBeGreaterThan(2);
  });

  it.each(["support-triage", "incident-triage", "order-agent"])("scores at least as well as random_search on test of %s at the same rollout budget", async (name) => {
    const budget = { rollouts: 1000 };
    const [m, r] = [await run(name, { optimizer: "mipro", budget }), await run(name, { optimizer: "random_search", budget })];
    expect(m.report.usage.rollouts).toBeLessThanOrEqual(1000);
    expect(m.report.best.test!.mean).toBeGreaterThanOrEqual(r.report.best.test!.mean);
  });

  it("is a function of its seed: the same seed leaves the same store contents, another seed others", async () => {
    const flags: OptimizeFlags = { optimizer: "mipro", seed: 5, budget: { calls: 900 } };
    const a = await run("support-triage", flags);
    const b = await run("support-triage", flags);
    expect(await contents(b.store, b.report.runId)).toEqual(await contents(a.store, a.report.runId));
    const c = await run("support-triage", { ...flags, seed: 6 });
    expect((await contents(c.store, c.report.runId)).candidates).not.toEqual((await contents(a.store, a.report.runId)).candidates);
  });

  it("is a function of its seed on an agent step too (proposals grounded in the teacher's tool calls)", async () => {
    const flags: OptimizeFlags = { optimizer: "mipro", seed: 1, budget: { calls: 1500 } };
    const a = await run("order-agent", flags);
    const b = await run("order-agent", flags);
    const [ca, cb] = [await contents(a.store, a.report.runId), await contents(b.store, b.report.runId)];
    expect(cb).toEqual(ca);
    // Its proposals carry tool cue lines (`- lookup_order: …` or `Call lookup_order for questions about …`).
    const proposed = a.store.runs.events(a.report.runId).filter((e) => e.type === "proposal").map((e) => String(e.data.instruction));
    expect(proposed.length).toBeGreaterThan(1);
    expect(proposed.every((i) => /^(?:- |Call )(?:lookup_order|get_product|search_products|find_customer|find_policy)\b/m.test(i))).toBe(true);
  });

  it.each([
    ["incident-triage", "the demo phase (a teacher batch)", "demos", 1],
    ["incident-triage", "the summaries", "summary", 1],
    ["incident-triage", "the proposal phase", "proposal", 2],
    ["incident-triage", "the search (a trial)", "trial", 4],
    ["incident-triage", "a full evaluation", "accepted", 1],
    ["order-agent", "the proposal phase", "proposal", 2],
  ])("%s interrupted in %s and resumed, ends as the uninterrupted run", async (name, _what, event, n) => {
    const flags: OptimizeFlags = { optimizer: "mipro", seed: 2, budget: { calls: 1200 }, concurrency: 4 };
    const straight = await run(name, flags);
    const store = openStore();
    const controller = new AbortController();
    let runId = "";
    let seen = 0;
    const interrupted = optimize(program(name), { lm: "sim", ...flags }, store, controller.signal, {
      onStart: (info) => (runId = info.runId),
      onEvent: (type) => {
        if (type === event && ++seen === n) controller.abort();
      },
    });
    await expect(interrupted).rejects.toBeInstanceOf(InterruptedError);
    const resumed = await resume(runId, store, new AbortController().signal);
    if ("alreadyFinished" in resumed) throw new Error("the run had not finished");
    expect(runOutcome(resumed)).toEqual(runOutcome(straight.report));
    const [got, want] = [await contents(store, runId), await contents(straight.store, straight.report.runId)];
    expect(got.candidates).toEqual(want.candidates);
    expect(got.results).toEqual(want.results);
    expect(got.events).toEqual(want.events);
  });
});
