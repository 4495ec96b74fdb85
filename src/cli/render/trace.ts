import type { ChalkInstance } from "chalk";
import type { Trace } from "../../graph/trace.js";
import { oneLine, plural } from "../output.js";
import { trajectoryLines } from "./trajectory.js";

/** A prediction's trace for `run --verbose`: each step with its time and calls, its outputs, an agent's iterations, its error. */
export function traceLines(trace: Trace, c: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const step of trace) {
    const tools = step.trajectory ? `, ${plural(step.trajectory.length, "iteration")}` : "";
    lines.push(c.bold(`[${step.step}] ${step.module}`) + c.dim(` ${Math.round(step.latencyMs)}ms, ${plural(step.calls.length, "LM call")}${tools}`));
    if (step.trajectory) lines.push(...trajectoryLines(step.trajectory, c));
    for (const [k, v] of Object.entries(step.outputs ?? {})) lines.push(`  ${c.cyan(k)}: ${oneLine(v, 200)}`);
    if (step.error !== undefined) lines.push(`  ${c.red("error")}: ${oneLine(step.error, 200)}`);
  }
  return lines;
}
