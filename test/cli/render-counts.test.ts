import { describe, expect, it } from "vitest";
import { evalProgressText } from "../../src/cli/progress.js";
import { renderSummary } from "../../src/cli/render/eval.js";
import { progressText } from "../../src/cli/render/optimize.js";
import { createOutput } from "../../src/cli/output.js";
import type { EvalSummary } from "../../src/evaluate/types.js";
import { ZERO_USAGE } from "../../src/lm/types.js";
import type { OptimizeProgress } from "../../src/optimize/run.js";

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
});
