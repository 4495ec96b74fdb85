import type { Example } from "../../src/program/example.js";
import type { LMClient, LMRequest, LMResponse } from "../../src/lm/types.js";
import type { Metric, MetricContext, MetricResult } from "../../src/metrics/types.js";
import { buildMetric } from "../../src/metrics/build.js";
import type { MetricSpec } from "../../src/program/types.js";

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

/** An LM client answering every request with the given completions in turn (the last repeats). */
export class FakeLM implements LMClient {
  readonly id = "fake:judge";
  readonly provider = "fake";
  readonly model = "judge";
  readonly structuredOutput = false;
  readonly requests: LMRequest[] = [];
  constructor(private readonly completions: string[]) {}

  async complete(request: LMRequest): Promise<LMResponse> {
    this.requests.push(request);
    const text = this.completions[Math.min(this.requests.length - 1, this.completions.length - 1)] ?? "";
    return { text, usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 }, costUsd: 0, cached: false, latencyMs: 1, model: this.model };
  }
}

export function judgeCompletion(score: string, feedback: string): string {
  return `[[ ## score ## ]]\n${score}\n\n[[ ## feedback ## ]]\n${feedback}\n\n[[ ## completed ## ]]`;
}
