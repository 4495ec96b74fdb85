import type { YamlPath } from "./yaml-source.js";
import type { MetricSpec } from "./types.js";

/** One metric of a `metric:` tree and the YAML path of the mapping that names it. */
export interface MetricNode {
  metric: MetricSpec;
  /** E.g. `["metric", "mean", 1]`; a judge's model is at `[...path, "llm_judge", "lm"]`. */
  path: YamlPath;
}

/**
 * Every metric of the tree, each composite (`mean`, `weighted`) before its children and children in
 * file order: the one walk of the metric tree that checking, counting and fingerprinting share.
 */
export function metricNodes(metric: MetricSpec, path: YamlPath = ["metric"]): MetricNode[] {
  const children =
    metric.kind === "mean"
      ? metric.metrics.map((m, i) => metricNodes(m, [...path, "mean", i]))
      : metric.kind === "weighted"
        ? metric.metrics.map((w, i) => metricNodes(w.metric, [...path, "weighted", i, "metric"]))
        : [];
  return [{ metric, path }, ...children.flat()];
}
