import type { Example } from "../../src/program/example.js";
import type { Metric, MetricContext, MetricResult } from "../../src/metrics/types.js";
import { buildMetric } from "../../src/metrics/build.js";
import type { MetricSpec } from "../../src/program/types.js";
import { chatAnswer, FakeLM, inTurn } from "../support/fake-lm.js";

export const PROGRAM_DIR = new URL("./fixtures/", import.meta.url).pathname;
export const PROGRAM_FILE = `${PROGRAM_DIR}program.yaml`;

export function example(labels: Record<string, unknown>, inputs: Record<string, unknown> = {}, id = "ex1"): Example {
  return { id, inputs, labels };
}

/** A context whose LM must not be used. */
export const NO_LM: MetricContext = {
  lm() {
    throw new Error("this metric should not call an LM");
  },
};

export function build(spec: MetricSpec): Promise<Metric> {
  return buildMetric(spec, { programDir: PROGRAM_DIR, programFile: PROGRAM_FILE });
}

/** Builds `spec` and scores one prediction against one example's labels. */
export async function scoreOf(
  spec: MetricSpec,
  labels: Record<string, unknown>,
  prediction: Record<string, unknown>,
  ctx: MetricContext = NO_LM,
): Promise<MetricResult> {
  const metric = await build(spec);
  return metric.score(example(labels), prediction, [], ctx);
}

/** A judge's completion in the chat format. */
export function judgeCompletion(score: string, feedback: string): string {
  return chatAnswer({ score, feedback });
}

/** A judge LM answering every request with the given completions in turn (the last repeats). */
export function judgeLM(completions: string[]): FakeLM {
  return new FakeLM(inTurn(completions), { id: "fake:judge" });
}
