import { evaluate, evaluateStreaming, type EvaluateOptions } from "./evaluate.js";
import type { EvalOutcome, EvalReport, ExampleResult } from "./types.js";
import type { EvalMemo } from "./memo.js";
import { PackedExamples, type ExampleList } from "./packed-examples.js";
import type { Example } from "../program/example.js";
import type { Program } from "../runtime/program.js";
import { datasetOrigin, datasetPath, loadExamples, type DataChoice } from "../runtime/data.js";

export interface EvaluateProgramOptions extends DataChoice {
  concurrency?: number;
  signal?: AbortSignal;
  canDispatch?: () => boolean;
  onStart?: (info: { total: number; dataset: string; examples: ExampleList }) => void | Promise<void>;
  /** Every result as it finishes; a promise returned is awaited before more work starts (backpressure). */
  onResult?: (result: ExampleResult) => void | Promise<void>;
  /** Earlier results to reuse and where to record new ones (see `beginEvalRun`). */
  memo?: EvalMemo;
  /** Like `memo`, chosen once the dataset is known (the CLI opens its run then). */
  memoFor?: (dataset: string) => Promise<EvalMemo>;
  /** How many of the lowest-scoring results to keep in `lowest` (default 10). */
  lowest?: number;
}

export const DEFAULT_CONCURRENCY = 8;

/** A program scored on a dataset, every result kept: what `evaluateProgram` returns. */
export interface ProgramEvalReport extends EvalReport {
  /** Which dataset: the split name or the file given. */
  dataset: string;
  examples: Example[];
}

/** A program scored on a dataset, results streamed and not kept: what `evaluateProgramStreaming` returns. */
export interface ProgramEvalOutcome extends EvalOutcome {
  dataset: string;
  /** The examples by position (`lowest[i].index`), held packed. */
  examples: ExampleList;
}

/** Scores a program on a dataset, keeping every result (with its trace) in `results`. */
export async function evaluateProgram(program: Program, options: EvaluateProgramOptions = {}): Promise<ProgramEvalReport> {
  return run(program, options, (examples) => examples, evaluate);
}

/**
 * Scores a program on a dataset in bounded memory: the library function behind `dspx eval`. Each
 * result goes to `onResult` (and `memo`) as it finishes and is not kept; the outcome has the
 * summary and the lowest-scoring results. For datasets too large to hold every trace.
 */
export async function evaluateProgramStreaming(program: Program, options: EvaluateProgramOptions = {}): Promise<ProgramEvalOutcome> {
  return run(program, options, (examples) => PackedExamples.pack(examples), evaluateStreaming);
}

async function run<L extends ExampleList, R extends EvalOutcome>(
  program: Program,
  options: EvaluateProgramOptions,
  hold: (examples: Example[]) => L,
  evaluateWith: (options: EvaluateOptions) => Promise<R>,
): Promise<R & { dataset: string; examples: L }> {
  const { file, label } = datasetPath(program.spec, options);
  const metric = await program.metric();
  const examples = hold(await loadExamples(program.spec, file, metric.labels, options.limit, datasetOrigin(program.spec, options, label)));
  await options.onStart?.({ total: examples.length, dataset: label, examples });
  const memo = options.memo ?? (options.memoFor ? await options.memoFor(label) : undefined);
  const outcome = await evaluateWith({
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
    ...(options.lowest !== undefined ? { lowest: options.lowest } : {}),
  });
  return { ...outcome, dataset: label, examples };
}
