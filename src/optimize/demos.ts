import { z } from "zod";
import type { ExampleResult } from "../evaluate/types.js";
import type { CompiledStep } from "../graph/types.js";
import { FINISH_TOOL, type TrajectoryStep } from "../lm/tool-types.js";
import type { Graph } from "../graph/types.js";
import type { Example } from "../program/example.js";
import type { Demo } from "../program/types.js";
import { refToString } from "../program/refs.js";
import { stepGold } from "./gold.js";

/**
 * A labeled demo for a step from a dataset example: step inputs from the program inputs (or from
 * gold values of the steps that feed it), step outputs from gold values. None when an output of
 * the step has no gold (besides chain of thought's `reasoning`, which labeled demos leave out).
 */
export function labeledDemo(graph: Graph, step: string, example: Example): Demo | undefined {
  const compiled = graph.steps.find((s) => s.name === step);
  if (!compiled) return undefined;
  const gold = stepGold(graph);
  const valueOf = (column: string | undefined) => (column === undefined ? undefined : (example.labels[column] ?? example.inputs[column]));
  const demo: Demo = {};
  for (const f of compiled.signature.inputs) {
    const ref = compiled.sources[f.name]!;
    const v = ref.kind === "input" ? example.inputs[ref.field] : valueOf(gold.get(refToString(ref)));
    if (v !== undefined) demo[f.name] = v;
  }
  for (const f of compiled.outputs) {
    if (f.name === "reasoning" && compiled.module.name === "chain_of_thought") continue;
    const v = valueOf(gold.get(`$${step}.${f.name}`));
    if (v === undefined) return undefined;
    demo[f.name] = v;
  }
  if (isAgentStep(compiled)) {
    const trajectory = goldTrajectory(example.labels[TRAJECTORY_COLUMN]);
    if (trajectory) demo[TRAJECTORY_KEY] = trajectory;
  }
  return demo;
}

/** The key of a react step's demo that holds its whole trajectory (the demo's turns). */
export const TRAJECTORY_KEY = "trajectory";
/** The dataset column a labeled demo of a react step takes its gold trajectory from. */
export const TRAJECTORY_COLUMN = "trajectory";

/** A step whose module calls tools (react): its demos are trajectories. */
export function isAgentStep(step: CompiledStep): boolean {
  return step.module.toolRefs !== undefined;
}

/** A gold trajectory as a dataset writes it: the calls in order, each `{ tool, args }` (thought and observation optional). */
const goldStepSchema = z.object({
  tool: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
  thought: z.string().default(""),
  observation: z.string().default(""),
});

/** The example's gold trajectory, ending with finish; undefined when it has none or it is not one. */
function goldTrajectory(value: unknown): TrajectoryStep[] | undefined {
  const parsed = z.array(goldStepSchema).safeParse(value);
  if (!parsed.success) return undefined;
  const steps: TrajectoryStep[] = parsed.data.map((s) => ({ thought: s.thought, tool: s.tool, args: s.args, observation: s.observation }));
  if (steps.at(-1)?.tool !== FINISH_TOOL) steps.push({ thought: "", tool: FINISH_TOOL, args: {}, observation: "" });
  return steps;
}

/** An iteration kept in a demo: what the model did and saw, without tokens and times. */
function demoStep(step: TrajectoryStep): TrajectoryStep {
  const out: TrajectoryStep = { thought: step.thought, tool: step.tool, args: step.args, observation: step.observation };
  if (step.error !== undefined) out.error = step.error;
  return out;
}

/** A tool call as a teacher outcome keeps it: the tool and its arguments. */
export interface ToolCallDone {
  tool: string;
  args: Record<string, unknown>;
}

/** What an agent step did in one run: its own inputs and the tool calls it made. */
export interface AgentRun {
  inputs: Record<string, unknown>;
  calls: ToolCallDone[];
}

/** What each agent (react) step of a run did (steps that did not run, or call no tools by design, are left out). */
export function agentRunsOf(graph: Graph, result: ExampleResult): Record<string, AgentRun> {
  const out: Record<string, AgentRun> = {};
  for (const step of graph.lmSteps) {
    const trace = result.trace.find((t) => t.step === step);
    if (trace?.trajectory) out[step] = { inputs: trace.inputs, calls: doneCalls(trace.trajectory) };
  }
  return out;
}

/** The calls of a trajectory that ran: not finish, not failed. */
export function doneCalls(trajectory: readonly TrajectoryStep[]): ToolCallDone[] {
  return trajectory.filter((s) => s.tool !== FINISH_TOOL && s.error === undefined).map((s) => ({ tool: s.tool, args: s.args }));
}

/** Demos for every LM step from a successful run of the program: each step's own inputs and outputs. */
export function tracedDemos(graph: Graph, result: ExampleResult): Map<string, Demo> {
  const out = new Map<string, Demo>();
  if (result.error) return out;
  for (const step of graph.lmSteps) {
    const trace = result.trace.find((t) => t.step === step);
    if (!trace?.outputs) continue;
    const demo: Demo = { ...trace.inputs, ...trace.outputs };
    // A react step's demo is its whole trajectory, as it ran on this passing example.
    if (trace.trajectory) demo[TRAJECTORY_KEY] = trace.trajectory.map(demoStep);
    out.set(step, demo);
  }
  return out;
}
