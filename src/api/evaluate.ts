import { evaluate } from "../evaluate/evaluate.js";
import type { EvalReport, ExampleResult } from "../evaluate/types.js";
import type { EvalMemo } from "../evaluate/memo.js";
import type { Example } from "../program/example.js";
import type { Program } from "./program.js";
import { datasetOrigin, datasetPath, loadExamples, type DataChoice } from "./data.js";

export interface EvaluateProgramOptions extends DataChoice {
  concurrency?: number;
  signal?: AbortSignal;
  canDispatch?: () => boolean;
  onStart?: (info: { total: number; dataset: string }) => void | Promise<void>;
  onResult?: (result: ExampleResult) => void;
  /** Earlier results to reuse and where to record new ones (see `beginEvalRun`). */
  memo?: EvalMemo;
  /** Like `memo`, chosen once the dataset is known (the CLI opens its run then). */
  memoFor?: (dataset: string) => Promise<EvalMemo>;
}

export const DEFAULT_CONCURRENCY = 8;

/** Scores a program on a dataset: the library function behind `dspx eval`. */
export interface ProgramEvalReport extends EvalReport {
  /** Which dataset: the split name or the file given. */
  dataset: string;
  examples: Example[];
}

export async function evaluateProgram(program: Program, options: EvaluateProgramOptions = {}): Promise<ProgramEvalReport> {
  const { file, label } = datasetPath(program.spec, options);
  const metric = await program.metric();
  const examples = await loadExamples(program.spec, file, metric.labels, options.limit, datasetOrigin(program.spec, options, label));
  await options.onStart?.({ total: examples.length, dataset: label });
  const memo = options.memo ?? (options.memoFor ? await options.memoFor(label) : undefined);
  const report = await evaluate({
    graph: program.graph,
    state: program.state,
    examples,
    metric,
    exec: { lmFor: program.lmFor },
    metricContext: program.metricContext(),
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.canDispatch ? { canDispatch: options.canDispatch } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(memo ? { memo } : {}),
  });
  return { ...report, dataset: label, examples };
}
