import { evaluate } from "../evaluate/evaluate.js";
import type { EvalReport, ExampleResult } from "../evaluate/types.js";
import type { Example } from "../program/example.js";
import type { Program } from "./program.js";
import { datasetPath, loadExamples, type DataChoice } from "./data.js";

export interface EvaluateProgramOptions extends DataChoice {
  concurrency?: number;
  signal?: AbortSignal;
  canDispatch?: () => boolean;
  onStart?: (info: { total: number; dataset: string }) => void;
  onResult?: (result: ExampleResult) => void;
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
  const examples = await loadExamples(program.spec, file, metric.labels, options.limit);
  options.onStart?.({ total: examples.length, dataset: label });
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
  });
  return { ...report, dataset: label, examples };
}
