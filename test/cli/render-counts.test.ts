import { describe, expect, it } from "vitest";
import { evalProgressText } from "../../src/cli/progress.js";
import { renderSummary } from "../../src/cli/render/eval.js";
import { progressText, renderReport } from "../../src/cli/render/optimize.js";
import { createOutput } from "../../src/cli/output.js";
import type { EvalSummary } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import type { OptimizeProgress, OptimizeReport } from "../../src/optimize/run.js";

const output = createOutput({ color: false });

describe("counts in progress and summary lines", () => {
  it("says 1 error / 1 example in eval lines, plural otherwise", () => {
    expect(evalProgressText({ done: 1, total: 2, meanSoFar: 0, errors: 1, elapsedMs: 10 })).toContain("· 1 error ·");
    expect(evalProgressText({ done: 2, total: 2, meanSoFar: 0, errors: 2, elapsedMs: 10 })).toContain("· 2 errors ·");
    const summary: EvalSummary = {
      total: 1, done: 1, mean: 0, ci95: [0, 0], errors: 1,
      usage: ZERO_USAGE,
      costUsd: 0, calls: 0, cachedCalls: 0, memoized: 0, wallMs: 5,
    };
    expect(renderSummary(summary, output).split("\n")[0]).toMatch(/ 1 example, 1 error$/);
    expect(renderSummary({ ...summary, done: 3, errors: 2 }, output).split("\n")[0]).toMatch(/ 3 examples, 2 errors$/);
  });

  it("says 1 candidate in the optimize progress line", () => {
    const p: OptimizeProgress = {
      phase: "baseline", step: 0, candidates: 1, baseline: 0.5, best: 0.5,
      used: { calls: 0, usd: 0, rollouts: 0, proposalCalls: 0, elapsedMs: 0 },
      limits: {}, costUsd: 0, requests: 0, rateLimited: 0,
    };
    expect(progressText(p, 0)).toContain(" · 1 candidate · ");
    expect(progressText({ ...p, candidates: 4 }, 0)).toContain(" · 4 candidates · ");
  });

  it("gives a resumed run's cost as the whole run's, and what this process paid apart", () => {
    const score = { n: 10, mean: 0.5, ci95: [0.2, 0.8] as [number, number], errors: 0 };
    const tokens = { promptTokens: 400_000, completionTokens: 8_009, cachedTokens: 0 };
    const report: OptimizeReport = {
      runId: "abcd2345", optimizer: "gepa", ended: "done", plan: { buys: "", minimumCalls: 1 },
      baseline: { candidate: "a", dev: score }, best: { candidate: "b", state: { steps: {} }, dev: score },
      candidates: 3, steps: 2, usage: { calls: 10, usd: 0.22, rollouts: 10, proposalCalls: 1, elapsedMs: 1000 },
      tokens, costUsd: 0.22, thisProcess: { tokens, costUsd: 0.22 }, elapsedMs: 1000,
    };
    const used = (r: OptimizeReport) => renderReport(r, "p.yaml", output).split("\n").find((l) => l.startsWith("used"))!;
    expect(used(report)).toContain("408,009 tokens · cost $0.22 · ");
    const resumed = { ...report, thisProcess: { tokens: { promptTokens: 100_000, completionTokens: 2_000, cachedTokens: 0 }, costUsd: 0.07 } };
    expect(used(resumed)).toContain("408,009 tokens · cost $0.22 (this process: 102,000 tokens, $0.07) · ");
  });
});
