import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize, resume, type OptimizeFlags, type OptimizeHooks, type OptimizeReport } from "../../src/optimize/run.js";
import { OPTIMIZERS, type OptimizerName } from "../../src/optimize/types.js";
import { Store } from "../../src/store/store.js";
import { tempDir } from "./bootstrap-helpers.js";
import { runOutcome } from "../support/run-outcome.js";

/**
 * A run interrupted at any moment and resumed ends as the same run uninterrupted would, for every
 * optimizer: the same best candidate, scores, candidates (numbered in creation order), steps and
 * calls, and an event log in which nothing is told twice. Interrupting (an abort) leaves the store
 * as a kill would, plus the run marked interrupted; test/cli/resume-kill.test.ts kills for real.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const PROGRAM = path.join(ROOT, "programs/incident-triage.yaml");
const TEST_PHASE = "scoring the baseline and the best candidate on test";
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function openStore(): Store {
  const store = Store.open(path.join(tempDir(), "dspx.db"));
  stores.push(store);
  return store;
}

// Beam needs a larger budget than the others for one step on this program.
const flagsFor = (optimizer: OptimizerName): OptimizeFlags => ({ optimizer, lm: "sim", budget: { calls: optimizer === "beam" ? 1100 : 800 }, seed: 7, concurrency: 4 });

const candidateList = (store: Store, runId: string) => store.runs.candidates(runId).map((c) => `${c.seq} ${c.hash} ${c.origin}`);
/** The story the log tells, without the markers each resume adds. */
const story = (store: Store, runId: string) =>
  store.runs
    .events(runId)
    .filter((e) => e.type !== "resumed")
    .map((e) => `${e.type}: ${String(e.data.summary ?? "")}`);

async function interrupted(store: Store, flags: OptimizeFlags, stopWhen: (abort: () => void) => OptimizeHooks): Promise<string> {
  const controller = new AbortController();
  let runId = "";
  const hooks = stopWhen(() => controller.abort());
  await expect(optimize(PROGRAM, flags, store, controller.signal, { ...hooks, onStart: (info) => (runId = info.runId) })).rejects.toThrow();
  expect(store.runs.resolve(runId).status).toBe("interrupted");
  return runId;
}

/** Stops once `n` results of the final test evaluation have come in. */
const inTestEvaluation =
  (n: number) =>
  (abort: () => void): OptimizeHooks => {
    let seen = 0;
    return {
      onProgress: (p) => {
        if (p.phase === TEST_PHASE && ++seen === n) abort();
      },
    };
  };

/** Stops at the `n`th proposal event: in the middle of a step that has already logged events. */
const atProposal =
  (n: number) =>
  (abort: () => void): OptimizeHooks => {
    let seen = 0;
    return {
      onEvent: (type) => {
        if (type === "proposal" && ++seen === n) abort();
      },
    };
  };

describe.each(OPTIMIZERS)("%s, interrupted and resumed", (optimizer) => {
  const flags = flagsFor(optimizer);
  let reference: { store: Store; report: OptimizeReport } | undefined;
  const straight = async () => {
    if (!reference) {
      const store = openStore();
      reference = { store, report: await optimize(PROGRAM, flags, store, new AbortController().signal) };
    }
    return reference;
  };

  it("inside the final test evaluation: finishes as the uninterrupted run, without running a step again", async () => {
    const ref = await straight();
    const store = openStore();
    const runId = await interrupted(store, flags, inTestEvaluation(30));
    // A second interruption in the same phase, after the first resume has taken it up again.
    const again = new AbortController();
    await expect(resume(runId, store, again.signal, inTestEvaluation(10)(() => again.abort()))).rejects.toThrow();
    expect(store.runs.resolve(runId).status).toBe("interrupted");
    const resumed = await resume(runId, store, new AbortController().signal);
    if ("alreadyFinished" in resumed) throw new Error("the run had not finished");
    expect(runOutcome(resumed)).toEqual(runOutcome(ref.report));
    expect(candidateList(store, runId)).toEqual(candidateList(ref.store, ref.report.runId));
    expect(story(store, runId)).toEqual(story(ref.store, ref.report.runId));
    expect(store.runs.resolve(runId).status).toBe("done");
  });

  it.skipIf(optimizer === "labeled")("in the middle of a step: logs each event once and numbers candidates in creation order", async () => {
    const ref = await straight();
    const store = openStore();
    const runId = await interrupted(store, flags, atProposal(1));
    const resumed = await resume(runId, store, new AbortController().signal);
    if ("alreadyFinished" in resumed) throw new Error("the run had not finished");
    expect(runOutcome(resumed)).toEqual(runOutcome(ref.report));
    expect(candidateList(store, runId)).toEqual(candidateList(ref.store, ref.report.runId));
    expect(story(store, runId)).toEqual(story(ref.store, ref.report.runId));
  });
});

describe("resume of a finished run", () => {
  it("gives back the report the run finished with", async () => {
    const store = openStore();
    const report = await optimize(PROGRAM, flagsFor("labeled"), store, new AbortController().signal);
    const again = await resume(report.runId, store, new AbortController().signal);
    expect("alreadyFinished" in again).toBe(true);
    if (!("alreadyFinished" in again)) return;
    expect(again.report).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
