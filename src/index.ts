/**
 * dspx as a library. The CLI is a thin shell over these functions.
 *
 *   import { loadProgram } from "dspx";
 *   const triage = await loadProgram("optimized.yaml");
 *   const { team, urgency } = await triage.run({ message: "I was charged twice" });
 */
export { loadProgram, Program, type LoadProgramOptions, type RunOptions } from "./api/program.js";
export {
  evaluateProgram,
  evaluateProgram as evaluate,
  evaluateProgramStreaming,
  type EvaluateProgramOptions,
  type ProgramEvalReport,
  type ProgramEvalOutcome,
} from "./api/evaluate.js";
export { validateProgram } from "./api/validate.js";
export { comparePrograms, type ProgramComparison } from "./api/compare.js";
export { exportProgram, type ExportOptions } from "./program/export.js";
export { Store } from "./store/store.js";
export type { EvalOutcome, EvalReport, EvalSummary, ExampleResult, ResultDigest } from "./evaluate/types.js";
export type { Prediction, StepTrace, Trace } from "./graph/trace.js";
export type { ProgramState, StepState } from "./program/state.js";
export type { Example } from "./program/example.js";
export type { LMClient, LMRequest, LMResponse, Usage } from "./lm/types.js";
export type { Metric, MetricResult } from "./metrics/types.js";
export { UserError, ProviderError } from "./util/errors.js";
export { VERSION } from "./version.js";
