import type { Graph } from "../graph/types.js";
import type { FeedbackRecord, LMCallRecord, LMClient } from "../lm/types.js";
import type { Example } from "../program/example.js";
import { signatureToString } from "../signature/format.js";
import type { Field, Signature } from "../signature/types.js";
import { valueToText } from "../util/text.js";
import { askLm } from "./propose.js";

/**
 * The two summaries a grounded proposer (mipro) shows with every proposal, each written once per run
 * by the proposal LM: what the program does, and what its data looks like.
 */
export type SummaryKind = "program" | "dataset";

/** A summary, or why the LM's answer could not be read (its calls are paid for either way). */
export type Summary = { ok: true; text: string } | { ok: false; error: string };

const text = (name: string, desc: string): Field => ({ name, type: { kind: "string" }, desc, typed: true });

const PROGRAM: Signature = {
  inputs: [text("program", "The program: its name, description, inputs, outputs and steps with their signatures and instructions")],
  outputs: [text("summary", "What the program does and how its steps work together, in a few sentences")],
};

const DATASET: Signature = {
  inputs: [text("examples", "Examples of the program's inputs with the outputs they should get")],
  outputs: [text("summary", "What the data is like: its topics, how the outputs are distributed, and the clues that tell them apart")],
};

const PROGRAM_TASK = "Describe this language-model program for someone who will write instructions for its steps: what it is for, what each step does, and how the steps work together.";
const DATASET_TASK =
  "Describe this dataset for someone who will write instructions for a program that processes it: what the inputs are about, how often each output value occurs, and which words or patterns in the inputs go with each value.";

/** The program as the summary request shows it: name, description, fields, steps. */
export function describeProgram(graph: Graph): string {
  const { spec } = graph;
  const lines = [`Name: ${spec.name}`];
  if (spec.description) lines.push(`Description: ${spec.description}`);
  lines.push(`Inputs: ${spec.inputs.map((f) => f.name).join(", ")}`);
  lines.push(`Outputs: ${graph.outputs.map((o) => o.name).join(", ")}`);
  lines.push("Steps:");
  for (const step of graph.steps) {
    const instruction = step.spec.instruction ? ` — ${step.spec.instruction}` : "";
    lines.push(`- ${step.name} (${step.module.name}): ${signatureToString({ inputs: step.signature.inputs, outputs: step.outputs })}${instruction}`);
  }
  return lines.join("\n");
}

/** The program's own fields as one signature: its inputs, and its outputs typed as the steps that produce them. */
export function programSignature(graph: Graph): Signature {
  return { inputs: graph.spec.inputs, outputs: graph.outputs.map((o) => ({ name: o.name, type: o.type, typed: true })) };
}

/** Examples as records of a summary request: inputs, and gold outputs where the row has them. */
export function exampleRecords(graph: Graph, examples: readonly Example[]): FeedbackRecord[] {
  return examples.map((e) => {
    const expected: Record<string, unknown> = {};
    for (const o of graph.outputs) if (e.labels[o.name] !== undefined) expected[o.name] = e.labels[o.name];
    return { inputs: { ...e.inputs }, expected };
  });
}

function describeExamples(records: readonly FeedbackRecord[]): string {
  return records
    .map((r, i) => {
      const ins = Object.entries(r.inputs).map(([k, v]) => `  ${k}: ${valueToText(v)}`);
      const outs = Object.entries(r.expected ?? {}).map(([k, v]) => `  ${k}: ${valueToText(v)}`);
      return [`Example ${i + 1}`, ...ins, "Expected:", ...outs].join("\n");
    })
    .join("\n\n");
}

/**
 * Asks the LM for one summary, at temperature 0 (sample 0): cached like every call, so a run that
 * asks again after a kill is answered from the cache.
 */
export async function summarize(
  lm: LMClient,
  args: { kind: SummaryKind; graph: Graph; examples: readonly Example[]; signal?: AbortSignal },
): Promise<{ summary: Summary; calls: LMCallRecord[] }> {
  const { kind, graph } = args;
  const records = kind === "dataset" ? exampleRecords(graph, args.examples) : [];
  const signature = programSignature(graph);
  const { outcome, calls } = await askLm(
    {
      lm,
      signature: kind === "program" ? PROGRAM : DATASET,
      instruction: kind === "program" ? PROGRAM_TASK : DATASET_TASK,
      demos: [],
      inputs: kind === "program" ? { program: describeProgram(graph) } : { examples: describeExamples(records) },
      purpose: kind === "program" ? "summarize_program" : "summarize_dataset",
      target: { step: "", signature, instruction: graph.spec.description ?? "", records },
      temperature: 0,
      maxTokens: 1024,
      sample: 0,
    },
    args.signal,
  );
  if (!outcome.ok) return { summary: outcome, calls };
  return { summary: { ok: true, text: valueToText(outcome.values.summary).trim() }, calls };
}
