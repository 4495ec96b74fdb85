import { fromRow } from "../evaluate/memo.js";
import { InterruptedError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import { Budget, BudgetExhausted } from "./budget.js";
import type { Finishing, Optimizing, StageOutcome } from "./checkpoint.js";
import { optimizeContext } from "./context.js";
import type { Session } from "./session.js";
import type { Best, OptimizeContext, ScoreSet } from "./types.js";

/** How a stage ended: done (with the optimizer's reason, when it gave one) or a budget ran out. */
interface Ending {
  ended: "done" | "budget";
  reason?: string;
}

/**
 * The run's optimizing: the baseline scored on dev, then each stage's optimizer (one, or several
 * in sequence) from its first step (or a checkpoint) until it is done or its budget runs out, each
 * stage starting from the best state of the one before; then the finishing checkpoint, which keeps
 * the last stage's state so that no step ever runs again. A checkpoint is written after every step
 * and after each stage's start, so `dspx resume` takes the run up in any stage.
 */
export async function optimizeStages(session: Session, whole: Budget, rng: Rng, checkpoint: Optimizing | undefined): Promise<Finishing> {
  const { program, data } = session;
  const first = optimizeContext(session, whole, rng);
  const baseline = { candidate: first.candidate(first.baseline, "program"), score: NaN };
  const stages: StageOutcome[] = [...(checkpoint?.stages ?? [])];
  let stage = checkpoint?.stage ?? 0;
  let state: unknown = checkpoint?.state;
  let baselineSet: ScoreSet | undefined;
  let budget = whole;
  const position = () => session.position(rng, budget, baseline, { stage, stages });
  if (checkpoint) {
    // Resuming: the baseline was scored before the first checkpoint, which holds its score.
    // Scoring it again would re-send (uncharged) the calls of any example that had failed.
    baseline.score = checkpoint.baseline.score;
  } else {
    session.setPhase("scoring the baseline on dev");
    try {
      baselineSet = await first.evaluate(first.baseline, data.dev, "dev");
    } catch (err) {
      if (!(err instanceof BudgetExhausted)) throw err;
      // Used up before the optimizer could start: the baseline stands.
      return finishing(session, { phase: "finishing", ended: "budget", budgetReason: err.what, ...position() });
    }
    baseline.score = baselineSet.mean;
  }
  session.baselineScore = baseline.score;
  session.bestScore = Math.max(session.bestScore || -Infinity, baseline.score);
  for (;;) {
    const setup = session.stages[stage]!;
    const start: Best = stage === 0 ? { candidate: baseline.candidate, state: program.state, score: baseline.score } : stages[stage - 1]!.best;
    budget = new Budget(session.stageLimits(stage), budget.snapshot());
    session.countAgainst(budget);
    const ctx = optimizeContext(session, budget, rng, { settings: setup.settings, state: start.state });
    const stepsBefore = session.step;
    let ending: Ending;
    try {
      if (state === undefined) {
        const scored = baselineSet ?? (await startScores(session, ctx, start));
        baselineSet = undefined;
        session.setPhase("starting");
        state = await setup.optimizer.init(ctx, scored);
        session.checkpoint({ phase: "optimizing", state, ...position() });
      }
      for (;;) {
        if (session.signal.aborted) throw new InterruptedError();
        budget.ensure();
        const { state: next, done } = await setup.optimizer.step(ctx, state);
        state = next;
        session.step++;
        const best = setup.optimizer.best(state);
        if (best.score > session.bestScore || !Number.isFinite(session.bestScore)) session.bestScore = best.score;
        if (done) break;
        session.checkpoint({ phase: "optimizing", state, ...position() });
        session.progress(budget);
      }
      const reason = setup.optimizer.stopped?.(state);
      ending = { ended: "done", ...(reason ? { reason } : {}) };
    } catch (err) {
      if (!(err instanceof BudgetExhausted)) throw err;
      ending = { ended: "budget", reason: err.what };
    }
    if (stage === session.stages.length - 1) {
      const end: Finishing = {
        phase: "finishing",
        ...(state !== undefined ? { state } : {}),
        ended: ending.ended,
        ...(ending.ended === "budget" ? { budgetReason: ending.reason } : {}),
        ...position(),
      };
      return finishing(session, end);
    }
    const best = state !== undefined ? setup.optimizer.best(state) : start;
    const iterations = state !== undefined ? setup.optimizer.iterations?.(state) : undefined;
    stages.push({ optimizer: setup.name, ...ending, steps: session.step - stepsBefore, ...(iterations !== undefined ? { iterations } : {}), best: { candidate: best.candidate, state: best.state, score: best.score } });
    const why = ending.ended === "budget" ? `its share of the ${ending.reason} budget was used up` : ending.reason ? `it stopped: ${ending.reason}` : "it finished";
    session.events.add("stage", {
      summary: `stage ${stage + 1} (${setup.name}) ended after ${session.step - stepsBefore} steps (${why}); best ${best.candidate.slice(0, 10)} with dev ${best.score.toFixed(3)}: stage ${stage + 2} (${session.stages[stage + 1]!.name}) starts from it`,
      stage: stage + 1,
      optimizer: setup.name,
      ended: ending.ended,
      ...(ending.reason ? { reason: ending.reason } : {}),
      best: best.candidate,
      dev: best.score,
      // What the run had used when the stage ended, against the stage's limits.
      calls: budget.used.calls,
      rollouts: budget.used.rollouts,
      limits: budget.limits,
    });
    stage++;
    state = undefined;
  }
}

function finishing(session: Session, end: Finishing): Finishing {
  session.checkpoint(end);
  if (end.ended === "budget") session.events.add("budget", { summary: `${end.budgetReason} budget used up after step ${session.step}` });
  return end;
}

/**
 * A later stage's start on dev: the best state of the stage before was scored on every dev example
 * (an optimizer's best is a dev-scored candidate), so its scores are read back from the store, not
 * evaluated (and charged) again. Should any be missing, the state is evaluated (memoized).
 */
async function startScores(session: Session, ctx: OptimizeContext, start: Best): Promise<ScoreSet> {
  await session.store.flush();
  const dev = session.data.dev;
  const rows = session.recorded(start.candidate, dev, "dev");
  if (rows.length < dev.length) return ctx.evaluate(start.state, dev, "dev");
  const results = rows.map((r) => fromRow(r, r.exampleId, r.idx));
  const scores = new Map(results.map((r) => [r.exampleId, r.score]));
  // Its mean as the stage before counted it, so the next stage starts from the very score it handed on.
  return { candidate: start.candidate, scores, mean: start.score, results };
}
