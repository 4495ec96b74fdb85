import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { optimize } from "../../src/optimize/run.js";
import { Store } from "../../src/store/store.js";
import { openViewStore, type ViewStore } from "../../src/view/view-store.js";
import { EVAL_CONFIG } from "../support/run-configs.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const PROGRAM = path.join(ROOT, "programs/support-triage.yaml");

/** What a hostile completion or input holds: shown as text, it must never run. */
export const HOSTILE = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"></script><!--`;

export interface Fixture {
  file: string;
  /** A GEPA optimization of support-triage on sim, made through the library. */
  gepaRun: string;
  /** An eval run written through the store's writers, whose inputs and completions are hostile. */
  hostileRun: string;
  hostileCandidate: string;
  view: ViewStore;
}

/**
 * A database made as dspx makes one: a real GEPA run on sim (small budget), and an eval run whose
 * every text is markup, written with the store's own writers. Then opened read-only, as the viewer does.
 */
export async function makeFixture(): Promise<Fixture> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-view-")), "dspx.db");
  const store = Store.open(file);
  const report = await optimize(PROGRAM, { optimizer: ["gepa"], lm: "sim", budget: { calls: 400 }, seed: 0 }, store, new AbortController().signal);
  const hostile = writeHostileRun(store);
  await store.close();
  return { file, gepaRun: report.runId, hostileRun: hostile.runId, hostileCandidate: hostile.candidate, view: openViewStore(file) };
}

function writeHostileRun(store: Store): { runId: string; candidate: string } {
  const runId = "hostile0run0000000000";
  const candidate = "c".repeat(64);
  store.runs.create({ id: runId, kind: "eval", programName: `triage ${HOSTILE}`, programFile: "/p.yaml", programHash: "h", programSource: "steps: { route: { module: predict } }", config: EVAL_CONFIG });
  store.runs.addCandidate(runId, { hash: candidate, state: { steps: { route: { instruction: HOSTILE, demos: [{ message: HOSTILE, team: "other" }] } } }, origin: "program" });
  for (let i = 0; i < 3; i++) {
    const exampleId = i === 0 ? HOSTILE : `ex-${i}`;
    const call = { model: "sim", adapter: "chat", purpose: "predict", usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 }, costUsd: null, cached: false, latencyMs: 1, text: `[[ ## team ## ]]\n${HOSTILE}` };
    const trace = [{ step: "route", module: "predict", inputs: { message: `${HOSTILE} #${i}` }, outputs: { team: HOSTILE }, calls: [call], latencyMs: 2 }];
    const evalId = store.evaluations.add(`key-${i}`, candidate, exampleId, {
      score: i === 2 ? 1 : 0,
      feedback: HOSTILE,
      outputs: { team: HOSTILE },
      ...(i === 1 ? { error: { kind: "parse", message: HOSTILE } } : {}),
      trace,
      usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 },
      costUsd: null,
      nominalCostUsd: null,
      calls: 1,
      cachedCalls: 0,
      latencyMs: 2,
    });
    store.evaluations.link({ runId, candidate, dataset: "dev", exampleId, idx: i, evalId, memoized: false });
  }
  store.runs.update(runId, { status: "done", finished: true, bestCandidate: candidate, bestScore: 1 / 3, totals: { examples: 3, errors: 1, calls: 3 } });
  return { runId, candidate };
}
