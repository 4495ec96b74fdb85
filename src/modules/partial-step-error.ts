import type { TrajectoryStep } from "../lm/tool-types.js";
import type { LMCallRecord } from "../lm/types.js";

/**
 * A step failed part-way (an agent's final answer could not be read, an LM call was refused):
 * what it did before failing — its LM calls, an agent's iterations — goes into the trace with the error.
 */
export class PartialStepError extends Error {
  constructor(
    message: string,
    readonly calls: LMCallRecord[],
    readonly trajectory?: TrajectoryStep[],
    /** The raw completion, when the failure was an unreadable one. */
    readonly raw?: string,
  ) {
    super(message);
    this.name = "PartialStepError";
  }
}
