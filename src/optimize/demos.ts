import type { ExampleResult } from "../evaluate/types.js";
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
  return demo;
}

/** Demos for every LM step from a successful run of the program: each step's own inputs and outputs. */
export function tracedDemos(graph: Graph, result: ExampleResult): Map<string, Demo> {
  const out = new Map<string, Demo>();
  if (result.error) return out;
  for (const step of graph.lmSteps) {
    const trace = result.trace.find((t) => t.step === step);
    if (!trace?.outputs) continue;
    out.set(step, { ...trace.inputs, ...trace.outputs });
  }
  return out;
}
