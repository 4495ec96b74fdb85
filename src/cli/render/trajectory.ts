import type { ChalkInstance } from "chalk";
import { z } from "zod";
import { trajectorySchema } from "../../modules/react-trajectory.js";
import { callText } from "../../adapters/react-trajectory-text.js";
import type { TrajectoryStep } from "../../lm/tool-types.js";
import { formatDuration, formatInt, oneLine } from "../output.js";
import { oneLineCell } from "../text-width.js";

/** How much of a thought, a call or an observation one line of a trajectory shows. */
const SHOWN = { thought: 200, call: 160, observation: 240 };

/**
 * An agent step's iterations as readable lines, each: its number, the tool with its arguments,
 * tokens and time (LM, tool), then the thought and what came back (or what went wrong). Text from
 * the model or a tool is one line each, control characters dropped, so it cannot garble a terminal.
 */
export function trajectoryLines(steps: readonly TrajectoryStep[], c: ChalkInstance, indent = "  "): string[] {
  const lines: string[] = [];
  steps.forEach((step, i) => {
    const facts = [
      step.usage ? `${formatInt(step.usage.promptTokens)}+${formatInt(step.usage.completionTokens)} tokens` : undefined,
      step.lmLatencyMs !== undefined ? `lm ${formatDuration(step.lmLatencyMs)}` : undefined,
      step.toolLatencyMs !== undefined ? `tool ${formatDuration(step.toolLatencyMs)}` : undefined,
      step.replayed ? "replayed" : undefined,
    ].filter((f) => f !== undefined);
    lines.push(`${indent}${c.bold(`${i + 1}.`)} ${c.cyan(clean(callText(step), SHOWN.call))}${facts.length > 0 ? c.dim(` · ${facts.join(" · ")}`) : ""}`);
    const more = `${indent}   `;
    if (step.thought.trim() !== "") lines.push(`${more}${c.dim("thought")} ${clean(step.thought, SHOWN.thought)}`);
    if (step.error !== undefined) lines.push(`${more}${c.red("error")}   ${clean(step.error, SHOWN.observation)}`);
    else if (step.observation !== "") lines.push(`${more}${c.dim("→")}       ${clean(step.observation, SHOWN.observation)}`);
  });
  return lines;
}

function clean(text: string, max: number): string {
  return oneLineCell(oneLine(text, max));
}

const storedStepSchema = z.looseObject({ step: z.string(), trajectory: trajectorySchema.optional() });

/**
 * The trajectories in a trace read back from the store, by step (none for a program without agent
 * steps). Each step is parsed with a schema; a step that does not parse is left out, not cast.
 */
export function storedTrajectories(trace: readonly unknown[]): { step: string; trajectory: TrajectoryStep[] }[] {
  return trace.flatMap((raw) => {
    const read = storedStepSchema.safeParse(raw);
    return read.success && read.data.trajectory ? [{ step: read.data.step, trajectory: read.data.trajectory }] : [];
  });
}
