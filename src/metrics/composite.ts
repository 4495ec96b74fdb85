import { UserError } from "../util/errors.js";
import type { Metric, MetricResult } from "./types.js";

/** A child metric with its share of the score. */
export interface WeightedMetric {
  weight: number;
  metric: Metric;
}

export function mean(children: Metric[], programFile: string): Metric {
  if (children.length === 0) {
    throw new UserError({ message: "metric mean: expected at least one metric to average", pos: { file: programFile } });
  }
  return weighted(
    children.map((metric) => ({ weight: 1, metric })),
    programFile,
    `mean(${children.map((c) => c.name).join(", ")})`,
  );
}

/** Σ wᵢ·sᵢ / Σ wᵢ. Children with weight 0 are not scored (nor their labels required). */
export function weighted(children: WeightedMetric[], programFile: string, name?: string): Metric {
  const bad = children.find((c) => !Number.isFinite(c.weight) || c.weight < 0);
  if (bad !== undefined) {
    throw new UserError({
      message: `metric weighted: weight of ${bad.metric.name} must be a number ≥ 0, got ${bad.weight}`,
      pos: { file: programFile },
    });
  }
  const scored = children.filter((c) => c.weight > 0);
  if (scored.length === 0) {
    throw new UserError({
      message: "metric weighted: expected at least one metric with a weight above 0",
      pos: { file: programFile },
    });
  }
  const total = scored.reduce((sum, c) => sum + c.weight, 0);
  return {
    name: name ?? `weighted(${scored.map((c) => `${c.weight}*${c.metric.name}`).join(", ")})`,
    labels: [...new Set(scored.flatMap((c) => c.metric.labels))],
    async score(example, prediction, trace, ctx) {
      const results = await Promise.all(scored.map((c) => c.metric.score(example, prediction, trace, ctx)));
      const sum = results.reduce((acc, r, i) => acc + scored[i]!.weight * r.score, 0);
      return { score: sum / total, feedback: joinFeedback(scored.map((c) => c.metric), results), ...mergedCalls(results) };
    },
  };
}

/**
 * What the children said: only those that were not perfect when any was not (what to fix), all of
 * them otherwise (the confirmation).
 */
function joinFeedback(metrics: Metric[], results: MetricResult[]): string {
  const lines = results.map((r, i) => r.feedback?.trim() || `${metrics[i]!.name}: score ${formatScore(r.score)}`);
  const imperfect = lines.filter((_, i) => results[i]!.score < 1);
  return (imperfect.length > 0 ? imperfect : lines).join("\n");
}

/** The children's LM calls (judges), when any made some. */
function mergedCalls(results: MetricResult[]): { calls?: MetricResult["calls"] } {
  const calls = results.flatMap((r) => r.calls ?? []);
  return calls.length > 0 ? { calls } : {};
}

function formatScore(score: number): string {
  return String(Number(score.toFixed(2)));
}
