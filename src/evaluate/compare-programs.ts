import { comparePaired, type CompareResult } from "./compare.js";
import { storeMemo } from "./memo.js";
import type { EvalReport } from "./types.js";
import { stateHash } from "../program/state.js";
import type { Store } from "../store/store.js";
import { InterruptedError, isInterruption, UserError } from "../util/errors.js";
import { datasetPath, type DataChoice } from "../runtime/data.js";
import type { RecordedLm } from "../store/run-config.js";
import { beginCompareRun, type CompareRun, type RecordedSide } from "./compare-run.js";
import { DEFAULT_CONCURRENCY, evaluateProgram, type ProgramEvalReport } from "./program.js";
import { fingerprints, modelsOf } from "../runtime/fingerprint.js";

/** A side of a comparison: its label and program, and (for a recorded run) how it was named. */
export type CompareSide = RecordedSide;

export interface ProgramComparison extends CompareResult {
  dataset: string;
  a: { label: string; report: EvalReport; models: string[] };
  b: { label: string; report: EvalReport; models: string[] };
  /** Whether both sides ran their steps on the same models and endpoints (if not, the difference is partly the model's). */
  sameModels: boolean;
  /** The compare run recorded (with `record`). */
  runId?: string;
}

export interface CompareOptions extends DataChoice {
  concurrency?: number;
  signal?: AbortSignal;
  seed?: number;
  resamples?: number;
  /**
   * Record the comparison as a run of kind `compare`: both sides' results linked to it, its status,
   * totals and summary set when it ends (interrupted, failed or done). `lm`: the LM settings the
   * command ran with, as recorded; `onCreated` is called once the run's row exists (before anything
   * is evaluated), with the run, so that a caller quitting at once can still mark it interrupted.
   */
  record?: { lm: RecordedLm; name?: string; onCreated?: (run: CompareRun) => void };
}

/**
 * Scores two candidates on the same examples — from the store where they were already evaluated,
 * else by evaluating them (and remembering the results) — and compares them pair by pair.
 */
export async function comparePrograms(store: Store, a: CompareSide, b: CompareSide, options: CompareOptions): Promise<ProgramComparison> {
  const { record, ...evalOptions } = options;
  const run = record
    ? await beginCompareRun(store, a, b, {
        dataset: datasetPath(a.program.spec, options).label,
        concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
        lm: record.lm,
        ...(options.limit ? { limit: options.limit } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(record.name ? { name: record.name } : {}),
      })
    : undefined;
  if (run) record?.onCreated?.(run);
  // Each side's evaluation as far as it went: the run's totals when it ends early.
  const sides: EvalReport[] = [];
  // Ctrl-C (the signal) stops either side: an InterruptedError saying how far it got; what finished is kept.
  const interrupted = (name: string, report: EvalReport | undefined) =>
    new InterruptedError(
      `interrupted while scoring ${name}${report ? ` (${report.summary.done} of ${report.summary.total} examples done)` : ""}, so nothing was compared; the evaluations that finished are kept${run ? ` (in run ${run.runId})` : ""}, and running the same command again reuses them`,
    );
  // The results the run sets out to record: A's examples twice until B's are counted.
  let totalA = 0;
  const expect = (name: "A" | "B", total: number) => {
    if (name === "A") totalA = total;
    run?.expect(name === "A" ? 2 * total : totalA + total);
  };
  const evaluateSide = async (side: CompareSide, name: "A" | "B") => {
    let report: ProgramEvalReport;
    try {
      report = await evaluateProgram(side.program, {
        ...evalOptions,
        onStart: (info) => expect(name, info.total),
        ...(run
          ? { memoFor: (dataset: string) => run.memoFor(name === "A" ? "a" : "b", dataset) }
          : { memo: storeMemo({ evaluations: store.evaluations, fingerprints: await fingerprints(side.program), candidate: stateHash(side.program.state) }) }),
      });
    } catch (err) {
      const partial = (err as { partial?: EvalReport }).partial;
      if (partial) sides.push(partial);
      if (options.signal?.aborted && isInterruption(err)) throw interrupted(name, partial);
      throw err;
    }
    sides.push(report);
    if (report.summary.stopped === "interrupted") throw interrupted(name, report);
    if (report.summary.stopped) throw new UserError(`side ${name} stopped before every example was scored (${report.summary.stopped})`);
    return report;
  };
  try {
    const ra = await evaluateSide(a, "A");
    const rb = await evaluateSide(b, "B");
    const scoresB = new Map(rb.results.map((r) => [r.exampleId, r.score]));
    const pairs = ra.results.filter((r) => scoresB.has(r.exampleId)).map((r) => ({ exampleId: r.exampleId, a: r.score, b: scoresB.get(r.exampleId)! }));
    if (pairs.length === 0) throw new UserError("the two sides share no example: compare them on the same dataset (--dataset or --split)");
    const result = comparePaired(pairs, { ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.resamples !== undefined ? { resamples: options.resamples } : {}) });
    const [ma, mb] = [modelsOf(a.program), modelsOf(b.program)];
    const sameModels = ma.join("\n") === mb.join("\n");
    run?.finish({ result: { ...result, sameModels }, sides });
    return {
      ...result,
      dataset: ra.dataset,
      a: { label: a.label, report: ra, models: ma },
      b: { label: b.label, report: rb, models: mb },
      sameModels,
      ...(run ? { runId: run.runId } : {}),
    };
  } catch (err) {
    run?.finish({ error: err, sides });
    throw err;
  }
}
