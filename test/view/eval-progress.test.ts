import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { beginEvalRun } from "../../src/evaluate/eval-run.js";
import { evaluateProgram } from "../../src/evaluate/program.js";
import { LMPool } from "../../src/lm/pool.js";
import { loadProgram } from "../../src/runtime/load.js";
import { Store } from "../../src/store/store.js";
import type { RunResponse } from "../../src/view/api-types.js";
import { handleApi } from "../../src/view/api/router.js";
import { openViewStore } from "../../src/view/view-store.js";
import { EVAL_CONFIG } from "../support/run-configs.js";

const PROGRAM = path.resolve(import.meta.dirname, "../../programs/support-triage.yaml");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("an eval run's progress in the viewer", () => {
  it("is out of the examples it set out to score while it runs, and out of those it scored once it is done", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-eval-progress-"));
    dirs.push(dir);
    const file = path.join(dir, "dspx.db");
    const store = Store.open(file);
    const program = await loadProgram(PROGRAM, { pool: new LMPool({ override: "sim", cache: false }) });
    const { dataset: _dataset, ...config } = EVAL_CONFIG;
    const run = await beginEvalRun(store, program, { dataset: "dev", config, expected: 6 });
    await store.flush();
    const view = openViewStore(file);
    try {
      const progress = () => (handleApi(view, "GET", `/api/runs/${run.runId}`, new URLSearchParams()).body as RunResponse).progress;
      expect(progress()).toEqual({ done: 0, total: 6 });
      const report = await evaluateProgram(program, { split: "dev", limit: 4, memo: run.memo });
      await store.flush();
      expect(progress()).toEqual({ done: 4, total: 6 });
      // Stopped after 4 (interrupted, say): done is out of what it scored, and the totals keep what it meant to.
      run.finish({ report });
      await store.flush();
      expect(progress()).toEqual({ done: 4, total: 4 });
      expect(store.runs.get(run.runId)!.totals).toMatchObject({ examples: 4, expected: 6 });
    } finally {
      view.close();
      await store.close();
    }
  });
});
