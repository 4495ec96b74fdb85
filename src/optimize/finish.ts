import { scoreOf, type DatasetScore } from "../evaluate/dataset-score.js";
import { stateHash } from "../program/state.js";
import { Rng } from "../util/rng.js";
import { Budget, BudgetExhausted } from "./budget.js";
import type { Finishing, StageOutcome } from "./checkpoint.js";
import { optimizeContext } from "./context.js";
import type { OptimizeReport, StageReport } from "./report.js";
import type { Session } from "./session.js";
import type { Best, Plan } from "./types.js";

/**
 * Scores the baseline and the best candidate on test and records the result. Everything here is a
 * function of the finishing checkpoint and the store, so finishing again after a kill (test results
 * answered from the store) ends the same way.
 */
export async function finishRun(session: Session, plan: Plan, finishing: Finishing): Promise<OptimizeReport> {
  const { store, runId, data, program } = session;
  const { ended, budgetReason, state } = finishing;
  const baselineState = program.state;
  const baselineHash = stateHash(baselineState);
  session.baselineScore = finishing.baseline.score;
  // The last stage that ran: its optimizer's best is the run's (each stage keeps the better of what it found and where it started).
  const k = finishing.stage ?? 0;
  const done = finishing.stages ?? [];
  const last = session.stages[k]!.optimizer;
  const start: Best = k === 0 ? { candidate: baselineHash, state: baselineState, score: session.baselineScore } : done[k - 1]!.best;
  const best: Best = state === undefined ? start : last.best(state);
  if (!Number.isFinite(session.bestScore)) session.bestScore = best.score;
  const doneReason = ended === "done" && state !== undefined ? last.stopped?.(state) : undefined;
  const iterations = state !== undefined ? last.iterations?.(state) : undefined;
  const stages = session.stages.length > 1 ? stageReports(done, { optimizer: session.stages[k]!.name, ended, reason: budgetReason ?? doneReason, steps: session.step - done.reduce((n, s) => n + s.steps, 0), iterations, best }) : undefined;
  // Dev scores are read from what this run recorded, never evaluated again: finishing spends
  // nothing, so a budget that ran out while the baseline was being scored leaves the examples not
  // scored unscored (the report says how many were) instead of paying for them uncharged.
  await store.flush();
  const baselineRows = session.recorded(baselineHash, data.dev, "dev");
  const baselineDev = scoreOf(baselineRows);
  const bestDev = scoreOf(session.recorded(stateHash(best.state), data.dev, "dev"));
  const baselinePartial = baselineRows.length < data.dev.length ? { scored: baselineRows.length, of: data.dev.length } : undefined;
  if (baselinePartial) {
    session.events.add("budget", {
      summary: `the ${budgetReason ?? "LM calls"} budget ran out while the baseline was scored on dev: ${baselinePartial.scored} of ${baselinePartial.of} examples scored, no candidate tried`,
    });
  }
  // The whole budget from here: what was kept back for the test evaluation is usable.
  const finalBudget = new Budget(session.config.limits, finishing.budget);
  session.countAgainst(finalBudget);
  const test = data.test ? await scoreOnTest(session, finalBudget, best) : {};
  const usage = finalBudget.snapshot();
  const report: OptimizeReport = {
    runId,
    optimizer: session.config.optimizer,
    ...(stages ? { stages } : {}),
    ended,
    ...(budgetReason ? { budgetReason } : {}),
    ...(doneReason ? { doneReason } : {}),
    plan,
    baseline: { candidate: baselineHash, dev: baselineDev, ...(test.baseline ? { test: test.baseline } : {}) },
    best: { candidate: best.candidate, state: best.state, dev: bestDev, ...(test.best ? { test: test.best } : {}) },
    ...(test.skipped ? { testSkipped: test.skipped } : {}),
    ...(baselinePartial ? { baselinePartial } : {}),
    candidates: session.candidates.size,
    steps: session.step,
    ...(iterations !== undefined ? { iterations } : {}),
    ...(session.notes.length > 0 ? { notes: [...session.notes] } : {}),
    usage,
    tokens: session.spend.total.tokens,
    costUsd: session.spend.total.costUsd,
    thisProcess: session.spend.paidHere(program.pool.stats().requests),
    elapsedMs: usage.elapsedMs,
  };
  session.events.add("finished", { summary: finishedSummary(report) });
  // One transaction: the run is done exactly when its report is kept.
  store.runs.update(runId, {
    status: "done",
    finished: true,
    bestCandidate: best.candidate,
    ...(Number.isFinite(bestDev.mean) ? { bestScore: bestDev.mean } : {}),
    totals: {
      ...session.totals(usage),
      ...(Number.isFinite(baselineDev.mean) ? { baselineDev: baselineDev.mean } : {}),
      ...(Number.isFinite(bestDev.mean) ? { bestDev: bestDev.mean } : {}),
      ...(baselinePartial ? { baselineScored: baselinePartial.scored, devExamples: baselinePartial.of } : {}),
      ...(test.baseline ? { baselineTest: test.baseline.mean } : {}),
      ...(test.best ? { bestTest: test.best.mean } : {}),
      ...(test.skipped ? { testSkipped: test.skipped } : {}),
      ended,
      ...(budgetReason ? { budgetReason } : {}),
      ...(doneReason ? { doneReason } : {}),
      ...(stages ? { stages } : {}),
    },
  });
  session.checkpoint({ phase: "finished", report: JSON.parse(JSON.stringify(report)) as Record<string, unknown> });
  await store.flush();
  return report;
}

/** The baseline's and the best candidate's test scores, or the limit that left no budget for them. */
async function scoreOnTest(session: Session, budget: Budget, best: Best): Promise<{ baseline?: DatasetScore; best?: DatasetScore; skipped?: string }> {
  const test = session.data.test!;
  session.setPhase("scoring the baseline and the best candidate on test");
  const ctx = optimizeContext(session, budget, new Rng(0));
  try {
    const baseline = scoreOf((await ctx.evaluate(ctx.baseline, test, "test")).results);
    return { baseline, best: scoreOf((await ctx.evaluate(best.state, test, "test")).results) };
  } catch (err) {
    if (!(err instanceof BudgetExhausted)) throw err;
    // Calls and rollouts are kept back for it; time and money cannot be.
    session.events.add("budget", { summary: `no ${err.what} budget left for the test evaluation` });
    return { skipped: err.what };
  }
}

/** Each stage of a sequence as the report gives it: those done before the last, then the last as it ended. */
function stageReports(done: readonly StageOutcome[], last: { optimizer: string; ended: "done" | "budget"; reason: string | undefined; steps: number; iterations: number | undefined; best: Best }): StageReport[] {
  const report = (s: { optimizer: string; ended: "done" | "budget"; reason?: string | undefined; steps: number; iterations?: number | undefined; best: Best }): StageReport => ({
    optimizer: s.optimizer,
    ended: s.ended,
    ...(s.reason ? { reason: s.reason } : {}),
    steps: s.steps,
    ...(s.iterations !== undefined ? { iterations: s.iterations } : {}),
    best: s.best.candidate,
    dev: s.best.score,
  });
  return [...done.map(report), report(last)];
}

function finishedSummary(report: OptimizeReport): string {
  const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "–");
  const { baseline, best, baselinePartial } = report;
  const partial = baselinePartial ? `, ${baselinePartial.scored} of ${baselinePartial.of} examples` : "";
  const test = best.test && baseline.test ? `, test ${best.test.mean.toFixed(3)} (baseline ${baseline.test.mean.toFixed(3)})` : "";
  return `best ${best.candidate.slice(0, 10)}: dev ${fixed(best.dev.mean)} (baseline ${fixed(baseline.dev.mean)}${partial})${test}`;
}
