/**
 * dspx as a library: the façade over the runtime, evaluate and optimize layers. The CLI is a thin
 * shell over these functions.
 *
 *   import { loadProgram } from "dspx";
 *   const triage = await loadProgram("optimized.yaml");
 *   const { team, urgency } = await triage.run({ message: "I was charged twice" });
 */
export { loadProgram, type LoadProgramOptions } from "./runtime/load.js";
export { Program, type RunOptions } from "./runtime/program.js";
export {
  evaluateProgram,
  evaluateProgram as evaluate,
  evaluateProgramStreaming,
  type EvaluateProgramOptions,
  type ProgramEvalReport,
  type ProgramEvalOutcome,
} from "./evaluate/program.js";
export { validateProgram } from "./api/validate.js";
export { comparePrograms, type CompareOptions, type CompareSide, type ProgramComparison } from "./evaluate/compare-programs.js";
export type { CompareRun } from "./evaluate/compare-run.js";
export type { CompareSummary } from "./store/compare-summary.js";
export {
  optimize,
  resume,
  type AlreadyFinished,
  type OptimizeFlags,
  type OptimizeFlags as OptimizeOptions,
  type OptimizeHooks,
  type OptimizeProgress,
  type ResumeOptions,
} from "./optimize/run.js";
export type { OptimizeReport } from "./optimize/report.js";
export type { BudgetLimits, BudgetUsage } from "./optimize/budget.js";
export type { OptimizerName, Plan } from "./optimize/types.js";
export type { DatasetScore } from "./evaluate/dataset-score.js";
export type { LmOptions, LmSettings } from "./lm/settings.js";
export { exportProgram, type ExportOptions } from "./program/export.js";
export { Store } from "./store/store.js";
export type { EvalOutcome, EvalReport, EvalSummary, ExampleResult, ResultDigest } from "./evaluate/types.js";
export type { Prediction, StepTrace, Trace } from "./graph/trace.js";
export type { ProgramState, StepState } from "./program/state.js";
export type { Example } from "./program/example.js";
export type { LMClient, LMRequest, LMResponse, Usage } from "./lm/types.js";
export type { Metric, MetricResult } from "./metrics/types.js";
export type { ToolContext } from "./tools/load.js";
export type { StepTools, ToolOrigin, ToolOutcome, ToolSpec } from "./tools/types.js";
export type { FunctionContext, StepFunction } from "./modules/function.js";
export { UserError, ProviderError } from "./util/errors.js";
export { VERSION } from "./version.js";
