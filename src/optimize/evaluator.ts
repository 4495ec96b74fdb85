import type { Program } from "../runtime/program.js";
import type { EvalMemo } from "../evaluate/memo.js";
import { evaluate } from "../evaluate/evaluate.js";
import type { ExampleResult } from "../evaluate/types.js";
import type { Example } from "../program/example.js";
import { InterruptedError } from "../util/errors.js";
import type { Budget } from "./budget.js";
import { BudgetExhausted, type ScoreSet } from "./types.js";

export interface EvaluatorOptions {
  budget: Budget;
  concurrency: number;
  signal: AbortSignal;
  /** Nominal LM calls one evaluation of one example makes (LM steps + judges): the budget's estimate. */
  callsPerExample: number;
  memoFor(candidate: string, dataset: string): EvalMemo;
  onResult?: (result: ExampleResult) => void;
}

/**
 * Scores programs inside an optimization: concurrent, memoized, charged to the budget. An
 * evaluation starts only when its estimated calls fit in what the budget has left — so whether it
 * runs is decided the same way on a resumed run — and stops dispatching if the budget runs out
 * anyway (then nothing of it is used: BudgetExhausted).
 */
export async function scoreProgram(
  program: Program,
  candidate: string,
  examples: readonly Example[],
  dataset: string,
  options: EvaluatorOptions,
  exec: { sample?: number; temperature?: number } = {},
): Promise<ScoreSet> {
  const { budget } = options;
  budget.ensure({ calls: examples.length * options.callsPerExample, rollouts: examples.length });
  const metric = await program.metric();
  const report = await evaluate({
    graph: program.graph,
    state: program.state,
    examples,
    metric,
    exec: { ...program.exec(), ...exec },
    metricContext: program.metricContext(),
    concurrency: options.concurrency,
    signal: options.signal,
    canDispatch: () => budget.exhausted() === undefined,
    memo: options.memoFor(candidate, dataset),
    onResult: (r) => {
      budget.chargeResult(r);
      options.onResult?.(r);
    },
  });
  if (report.summary.stopped === "interrupted") throw new InterruptedError();
  // Stopped by `canDispatch`: a limit was reached while the evaluation ran.
  if (report.summary.stopped === "budget") throw new BudgetExhausted(budget.exhausted() ?? "LM calls");
  const scores = new Map(report.results.map((r) => [r.exampleId, r.score]));
  return { candidate, scores, mean: report.summary.mean, results: report.results };
}
