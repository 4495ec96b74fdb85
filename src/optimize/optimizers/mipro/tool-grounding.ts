import type { AgentGrounding, ToolUse } from "../../../lm/types.js";
import type { TrajectoryStep } from "../../../lm/tool-types.js";
import { canonicalJson } from "../../../util/canonical.js";
import { doneCalls, TRAJECTORY_KEY } from "../../demos.js";
import type { OptimizeContext } from "../../types.js";
import type { MiproState } from "./state.js";

/** Teacher runs a grounded proposal for an agent step is shown at most. */
export const TOOL_USES_SHOWN = 60;

/**
 * What a grounded proposal for an agent (react) step is shown of its tools: each tool as the agent
 * is offered it (name, description, argument schema), and how the teacher used them on the train
 * examples bootstrapping ran — the tool calls of each passing trace (the bootstrapped demos) and of
 * each run that fell short, with whether it passed — in train order, one per train example, at most
 * TOOL_USES_SHOWN. Undefined for a step that calls no tools. A proposer learns from it which
 * questions go with which tool, as reflection learns it from feedback.
 */
export function agentGrounding(ctx: OptimizeContext, state: MiproState, step: string): AgentGrounding | undefined {
  const compiled = ctx.graph.steps.find((s) => s.name === step);
  if (!compiled?.tools || compiled.tools.length === 0) return undefined;
  const tools = compiled.tools.map(({ spec }) => ({ name: spec.name, description: spec.description, parameters: spec.parameters }));
  return { tools, uses: teacherUses(state, step, compiled.signature.inputs.map((f) => f.name)) };
}

/** Every teacher run of the step at sample 0 (the first round), in train order, repeats of one input left out. */
function teacherUses(state: MiproState, step: string, inputNames: readonly string[]): ToolUse[] {
  const outcomes = state.memo["0"] ?? {};
  const uses: ToolUse[] = [];
  const seen = new Set<string>();
  const indices = Object.keys(outcomes)
    .map(Number)
    .sort((a, b) => a - b);
  for (const index of indices) {
    const outcome = outcomes[String(index)]!;
    const demo = outcome.demos?.[step];
    const run = outcome.agentRuns?.[step];
    let use: ToolUse | undefined;
    if (demo && Array.isArray(demo[TRAJECTORY_KEY])) {
      // A passing demo holds the step's inputs and outputs: only what the step read is shown.
      const inputs = Object.fromEntries(inputNames.filter((n) => demo[n] !== undefined).map((n) => [n, demo[n]]));
      use = { inputs, calls: doneCalls(demo[TRAJECTORY_KEY] as TrajectoryStep[]), passed: true };
    } else if (run) use = { inputs: run.inputs, calls: run.calls, passed: false };
    if (!use) continue;
    const key = canonicalJson(use.inputs);
    if (seen.has(key)) continue;
    seen.add(key);
    uses.push(use);
    if (uses.length >= TOOL_USES_SHOWN) break;
  }
  return uses;
}
