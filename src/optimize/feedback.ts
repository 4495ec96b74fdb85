import type { ExampleResult } from "../evaluate/types.js";
import type { Graph } from "../graph/types.js";
import type { Trace } from "../graph/trace.js";
import type { TrajectoryStep } from "../lm/tool-types.js";
import type { FeedbackRecord } from "../lm/types.js";
import type { Example } from "../program/example.js";
import { valueToText } from "../util/text.js";
import { stepGold } from "./gold.js";

function clip(text: string, max = 160): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * What a step did on each example, for reflection: its inputs and outputs, the gold values of its
 * outputs where the dataset has them, the score, and the metric's feedback — or, when the metric
 * gave none, feedback built from expected vs predicted.
 */
export function stepRecords(graph: Graph, results: readonly ExampleResult[], examples: ReadonlyMap<string, Example>, step: string): FeedbackRecord[] {
  const gold = stepGold(graph);
  const compiled = graph.steps.find((s) => s.name === step);
  if (!compiled) return [];
  const records: FeedbackRecord[] = [];
  for (const r of results) {
    const example = examples.get(r.exampleId);
    const trace = r.trace.find((t) => t.step === step);
    if (!example || !trace) continue;
    const expected: Record<string, unknown> = {};
    for (const f of compiled.outputs) {
      const column = gold.get(`$${step}.${f.name}`);
      if (column === undefined) continue;
      const value = example.labels[column] ?? example.inputs[column];
      if (value !== undefined) expected[f.name] = value;
    }
    const record: FeedbackRecord = { inputs: trace.inputs, score: r.score };
    if (trace.outputs) record.outputs = trace.outputs;
    if (trace.trajectory) record.trajectory = trace.trajectory.map(feedbackStep);
    const others = functionOutputs(graph, r.trace, compiled.deps);
    if (others) record.functionOutputs = others;
    if (Object.keys(expected).length > 0) record.expected = expected;
    record.feedback = r.error
      ? `the step failed: ${clip(r.error.message)}${r.error.raw ? `; it wrote: ${clip(r.error.raw, 120)}` : ""}`
      : r.feedback && r.feedback.trim() !== ""
        ? r.feedback
        : builtFeedback(expected, trace.outputs ?? {}, r.score);
    records.push(record);
  }
  return records;
}

/** Observations longer than this are cut in feedback: enough to see what came back. */
export const FEEDBACK_OBSERVATION_CHARS = 400;

/** An iteration as reflection sees it: the thought, the call and what came back (cut), without tokens and times. */
function feedbackStep(step: TrajectoryStep): TrajectoryStep {
  const out: TrajectoryStep = { thought: step.thought, tool: step.tool, args: step.args, observation: clip(step.observation, FEEDBACK_OBSERVATION_CHARS) };
  if (step.error !== undefined) out.error = step.error;
  return out;
}

/**
 * The outputs of the program's `function` steps on this example (optimizers skip them, having
 * nothing to learn there, but what they made of the step's outputs is part of what went right or
 * wrong), except those the step reads: their outputs are its inputs already.
 */
function functionOutputs(graph: Graph, trace: Trace, deps: readonly string[]): Record<string, Record<string, unknown>> | undefined {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of graph.steps) {
    if (s.module.usesLM || s.module.name !== "function" || deps.includes(s.name)) continue;
    const t = trace.find((x) => x.step === s.name);
    if (t?.outputs) out[s.name] = t.outputs;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function builtFeedback(expected: Record<string, unknown>, outputs: Record<string, unknown>, score: number): string {
  const parts = Object.entries(expected).map(([field, want]) => {
    const got = outputs[field];
    return valueToText(got) === valueToText(want) ? `${field}: correct (${clip(valueToText(want), 60)})` : `${field}: expected ${clip(valueToText(want), 60)}, got ${clip(valueToText(got), 60)}`;
  });
  return parts.length > 0 ? `${parts.join("; ")} (score ${score.toFixed(2)})` : `score ${score.toFixed(2)}`;
}
