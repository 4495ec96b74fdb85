import type { OptimizeReport } from "../../src/optimize/run.js";

/** What a resumed run must share with the same run uninterrupted: its result and what it took to get there. */
export function runOutcome(r: Pick<OptimizeReport, "ended" | "best" | "baseline" | "candidates" | "steps" | "usage">) {
  return {
    ended: r.ended,
    best: r.best.candidate,
    dev: r.best.dev.mean,
    test: r.best.test?.mean,
    baselineTest: r.baseline.test?.mean,
    candidates: r.candidates,
    steps: r.steps,
    calls: r.usage.calls,
    rollouts: r.usage.rollouts,
    proposalCalls: r.usage.proposalCalls,
  };
}
