import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { optimize, resume, Store, type OptimizeOptions, type OptimizeReport } from "../../src/index.js";
import { ROOT } from "../support/cli.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the library façade", () => {
  it("exports optimize and resume, typed: a run made from code, and resumed once finished, gives its report back", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-facade-"));
    dirs.push(dir);
    const store = Store.open(path.join(dir, "dspx.db"));
    try {
      const signal = new AbortController().signal;
      const options: OptimizeOptions = { optimizer: "labeled", lm: "sim", budget: { calls: 400 } };
      const notices: string[] = [];
      const report: OptimizeReport = await optimize(path.join(ROOT, "programs/support-triage.yaml"), options, store, signal, { onNotice: (m) => notices.push(m) });
      expect(report).toMatchObject({ optimizer: "labeled", ended: "done", usage: { calls: expect.any(Number) } });
      expect(report.usage.calls).toBeLessThanOrEqual(400);
      expect(report.best.dev.n).toBeGreaterThan(0);
      // --lm sim was given: no "running on sim" notice.
      expect(notices).toEqual([]);
      const again = await resume(report.runId, store, signal);
      expect("alreadyFinished" in again && again.report?.best.candidate).toBe(report.best.candidate);
      const run = store.runs.get(report.runId)!;
      expect(run.kind === "optimize" && run.config.lm).toMatchObject({ override: "sim", cache: true });
    } finally {
      await store.close();
    }
  });
});
