import type { EvalSummary, ExampleResult } from "../../../src/evaluate/types.js";
import type { Example } from "../../../src/program/example.js";

export function result(exampleId: string, index: number, extra: Partial<ExampleResult> = {}): ExampleResult {
  return {
    exampleId,
    index,
    score: 1,
    outputs: { team: "billing" },
    trace: [],
    usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0 },
    costUsd: 0.0012,
    calls: 1,
    cachedCalls: 0,
    latencyMs: 1234.5,
    nominal: { calls: 1, costUsd: 0.0012 },
    ...extra,
  } as ExampleResult;
}

export function example(id: string, inputs: Record<string, unknown>, labels: Record<string, unknown> = {}): Example {
  return { id, inputs, labels };
}

export function summaryOf(results: readonly ExampleResult[], extra: Partial<EvalSummary> = {}): EvalSummary {
  const mean = results.length ? results.reduce((a, r) => a + r.score, 0) / results.length : 0;
  return {
    total: results.length,
    done: results.length,
    mean,
    ci95: [Math.max(0, mean - 0.1), Math.min(1, mean + 0.1)],
    errors: results.filter((r) => r.error).length,
    usage: { promptTokens: 100 * results.length, completionTokens: 20 * results.length, cachedTokens: 0 },
    costUsd: 0.0012 * results.length,
    calls: results.length,
    cachedCalls: 0,
    memoized: 0,
    wallMs: 65_432,
    ...extra,
  };
}

/** The usual mix: a pass, a low score with feedback, a step error with the raw completion, a metric error. */
export function mixed() {
  const results = [
    result("ex-pass", 0),
    result("ex-low", 1, { score: 0.5, feedback: "expected team=security\ngot billing", outputs: { team: "billing" } }),
    result("ex-step", 2, {
      score: 0,
      outputs: undefined,
      error: { kind: "step", step: "classify", message: "could not read the output: missing field team", raw: "Team: ??" },
    }),
    result("ex-metric", 3, { score: 0, error: { kind: "metric", message: "metric threw: TypeError: x is undefined" } }),
  ];
  const examples = new Map<string, Example>([
    ["ex-pass", example("ex-pass", { ticket: "refund please" }, { team: "billing" })],
    ["ex-low", example("ex-low", { ticket: "my password leaked" }, { team: "security" })],
    ["ex-step", example("ex-step", { ticket: "???", priority: "high" }, { team: "support" })],
    ["ex-metric", example("ex-metric", { ticket: "hello" }, { team: "support" })],
  ]);
  return { results, examples, summary: summaryOf(results) };
}
