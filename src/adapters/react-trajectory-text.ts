import { FINISH_TOOL, type TrajectoryStep } from "../lm/tool-types.js";
import { canonicalJson } from "../util/canonical.js";

/** How an empty trajectory reads to the act call (its first step has nothing behind it) and to the extraction. */
export const NO_STEPS_YET = "(nothing yet: this is the first step)";
export const NO_STEPS = "(no steps were taken)";

/**
 * A trajectory as the `trajectory` field's text, deterministic (arguments as canonical JSON):
 *
 *     step 1
 *     thought: I need the order's status.
 *     tool: lookup_order {"order_id":"A12"}
 *     observation: {"status":"shipped"}
 *
 * A failed step says so (`observation (failed):`); a multi-line observation starts on its own line.
 */
export function trajectoryText(steps: readonly TrajectoryStep[], none = NO_STEPS_YET): string {
  if (steps.length === 0) return none;
  return steps.map((s, i) => stepText(s, i + 1)).join("\n\n");
}

function stepText(step: TrajectoryStep, n: number): string {
  const lines = [`step ${n}`, `thought: ${oneLine(step.thought)}`, `tool: ${callText(step)}`];
  if (step.tool !== FINISH_TOOL || step.error !== undefined) {
    const label = step.error !== undefined ? "observation (failed)" : "observation";
    lines.push(step.observation.includes("\n") ? `${label}:\n${step.observation}` : `${label}: ${step.observation}`);
  }
  return lines.join("\n");
}

/** `name {args}`, or just `finish`. */
export function callText(step: Pick<TrajectoryStep, "tool" | "args">): string {
  const name = step.tool === "" ? "(none)" : step.tool;
  if (step.tool === FINISH_TOOL && Object.keys(step.args).length === 0) return name;
  return `${name} ${canonicalJson(step.args)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
