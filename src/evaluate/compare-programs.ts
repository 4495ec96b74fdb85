import { comparePaired, type CompareResult } from "./compare.js";
import { storeMemo } from "./memo.js";
import type { EvalReport } from "./types.js";
import { stateHash } from "../program/state.js";
import type { Store } from "../store/store.js";
import { InterruptedError, isInterruption, UserError } from "../util/errors.js";
import type { DataChoice } from "../runtime/data.js";
import { evaluateProgram, type ProgramEvalReport } from "./program.js";
import { fingerprints, modelsOf } from "../runtime/fingerprint.js";
import type { Program } from "../runtime/program.js";

export interface CompareSide {
  label: string;
  program: Program;
}

export interface ProgramComparison extends CompareResult {
  dataset: string;
  a: { label: string; report: EvalReport; models: string[] };
  b: { label: string; report: EvalReport; models: string[] };
  /** Whether both sides ran their steps on the same models and endpoints (if not, the difference is partly the model's). */
  sameModels: boolean;
}

/**
 * Scores two candidates on the same examples — from the store where they were already evaluated,
 * else by evaluating them (and remembering the results) — and compares them pair by pair.
 */
export async function comparePrograms(
  store: Store,
  a: CompareSide,
  b: CompareSide,
  options: DataChoice & { concurrency?: number; signal?: AbortSignal; seed?: number; resamples?: number },
): Promise<ProgramComparison> {
  // Ctrl-C (the signal) stops either side: an InterruptedError saying how far it got; what finished is kept.
  const interrupted = (name: string, report: EvalReport | undefined) =>
    new InterruptedError(
      `interrupted while scoring ${name}${report ? ` (${report.summary.done} of ${report.summary.total} examples done)` : ""}, so nothing was compared; the evaluations that finished are kept, and running the same command again reuses them`,
    );
  const evaluateSide = async (side: CompareSide, name: string) => {
    let report: ProgramEvalReport;
    try {
      report = await evaluateProgram(side.program, {
        ...options,
        memo: storeMemo({ evaluations: store.evaluations, fingerprints: await fingerprints(side.program), candidate: stateHash(side.program.state) }),
      });
    } catch (err) {
      if (options.signal?.aborted && isInterruption(err)) throw interrupted(name, (err as { partial?: EvalReport }).partial);
      throw err;
    }
    if (report.summary.stopped === "interrupted") throw interrupted(name, report);
    if (report.summary.stopped) throw new UserError(`side ${name} stopped before every example was scored (${report.summary.stopped})`);
    return report;
  };
  const ra = await evaluateSide(a, "A");
  const rb = await evaluateSide(b, "B");
  const scoresB = new Map(rb.results.map((r) => [r.exampleId, r.score]));
  const pairs = ra.results.filter((r) => scoresB.has(r.exampleId)).map((r) => ({ exampleId: r.exampleId, a: r.score, b: scoresB.get(r.exampleId)! }));
  if (pairs.length === 0) throw new UserError("the two sides share no example: compare them on the same dataset (--dataset or --split)");
  const result = comparePaired(pairs, { ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.resamples !== undefined ? { resamples: options.resamples } : {}) });
  const [ma, mb] = [modelsOf(a.program), modelsOf(b.program)];
  return {
    ...result,
    dataset: ra.dataset,
    a: { label: a.label, report: ra, models: ma },
    b: { label: b.label, report: rb, models: mb },
    sameModels: ma.join("\n") === mb.join("\n"),
  };
}
