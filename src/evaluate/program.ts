import { evaluate, evaluateStreaming, type EvaluateOptions } from "./evaluate.js";
import type { EvalOutcome, EvalReport, ExampleResult } from "./types.js";
import type { EvalMemo } from "./memo.js";
import type { ExampleList } from "./example-list.js";
import type { DatasetRules, RowRef } from "../program/dataset.js";
import { DatasetRows } from "../program/dataset-rows.js";
import type { Example } from "../program/example.js";
import { Leakage, TrainInputs } from "../program/overlap.js";
import { displayPath } from "../util/display-path.js";
import { UserError, type Problem } from "../util/errors.js";
import type { Program } from "../runtime/program.js";
import { datasetOrigin, datasetPath, datasetRules, streamExamples, type DataChoice } from "../runtime/data.js";

export interface EvaluateProgramOptions extends DataChoice {
  concurrency?: number;
  signal?: AbortSignal;
  canDispatch?: () => boolean;
  /**
   * The dataset is read and nothing is evaluated yet. `warnings`: what is worth knowing but not
   * wrong (repeated rows; examples whose inputs are in the program's train set).
   */
  onStart?: (info: { total: number; dataset: string; examples: ExampleList; warnings: Problem[] }) => void | Promise<void>;
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
  /** What the dataset's reading found worth knowing (see `onStart`). */
  warnings: Problem[];
}

/** A program scored on a dataset, results streamed and not kept: what `evaluateProgramStreaming` returns. */
export interface ProgramEvalOutcome extends EvalOutcome {
  dataset: string;
  /** The examples by position (`lowest[i].index`), each read again from the dataset when asked for. */
  examples: ExampleList;
  warnings: Problem[];
}

/** Scores a program on a dataset, keeping every result (with its trace) in `results`. */
export async function evaluateProgram(program: Program, options: EvaluateProgramOptions = {}): Promise<ProgramEvalReport> {
  return run(program, options, arrayHolder, evaluate);
}

/**
 * Scores a program on a dataset in bounded memory: the library function behind `dspx eval`. Each
 * result goes to `onResult` (and `memo`) as it finishes and is not kept; the outcome has the
 * summary and the lowest-scoring results. For datasets too large to hold every trace.
 */
export async function evaluateProgramStreaming(program: Program, options: EvaluateProgramOptions = {}): Promise<ProgramEvalOutcome> {
  return run(program, options, rowsHolder, evaluateStreaming);
}

/** What keeps the examples as they are read: every one (an array), or where each row is (DatasetRows). */
interface Holder<L extends ExampleList> {
  add(example: Example, row: RowRef): void;
  examples: L;
  /** The evaluation is over (its examples may still be asked for, e.g. the lowest-scoring ones). */
  done?(): void;
}

function arrayHolder(): Holder<Example[]> {
  const examples: Example[] = [];
  return { add: (e) => examples.push(e), examples };
}

function rowsHolder(file: string, rules: DatasetRules): Holder<DatasetRows> {
  const examples = new DatasetRows(file, displayPath(file), rules);
  return { add: (example, row) => examples.add(row, example), examples, done: () => examples.close() };
}

async function run<L extends ExampleList, R extends EvalOutcome>(
  program: Program,
  options: EvaluateProgramOptions,
  holder: (file: string, rules: DatasetRules) => Holder<L>,
  evaluateWith: (options: EvaluateOptions) => Promise<R>,
): Promise<R & { dataset: string; examples: L; warnings: Problem[] }> {
  const { file, label } = datasetPath(program.spec, options);
  const metric = await program.metric();
  const rules = datasetRules(program, metric.labels);
  const train = label === "train" || program.spec.data.train === undefined || program.spec.data.train === file ? undefined : await trainInputs(rules, program.spec.data.train);
  const leakage = train && new Leakage(train);
  const hold = holder(file, rules);
  const read = await streamExamples(
    rules,
    file,
    (example, row) => {
      hold.add(example, row);
      leakage?.check(example);
    },
    options.limit,
    datasetOrigin(program.spec, options, label),
  );
  const examples = hold.examples;
  const leak = leakage?.warning(label, displayPath(file));
  const warnings = leak ? [...read.warnings, leak] : read.warnings;
  await options.onStart?.({ total: examples.length, dataset: label, examples, warnings });
  const memo = options.memo ?? (options.memoFor ? await options.memoFor(label) : undefined);
  const outcome = await evaluateWith({
    graph: program.graph,
    state: program.state,
    examples,
    metric,
    exec: program.exec(),
    metricContext: program.metricContext(),
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.canDispatch ? { canDispatch: options.canDispatch } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(memo ? { memo } : {}),
    ...(options.lowest !== undefined ? { lowest: options.lowest } : {}),
  }).finally(() => hold.done?.());
  return { ...outcome, dataset: label, examples, warnings };
}

/**
 * The inputs of the program's train set, to find evaluated examples the program was optimized on;
 * undefined when train cannot be read (its problems are `validate`'s and `optimize`'s to report:
 * evaluating does not need it).
 */
async function trainInputs(rules: DatasetRules, file: string): Promise<TrainInputs | undefined> {
  const inputs = new TrainInputs();
  try {
    await streamExamples(rules, file, (example) => inputs.add(example));
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
  return inputs;
}
