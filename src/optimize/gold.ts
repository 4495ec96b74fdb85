import type { Graph } from "../graph/types.js";
import { metricNodes } from "../program/metric-nodes.js";
import type { MetricSpec } from "../program/types.js";
import { refToString } from "../program/refs.js";

/** Which dataset column holds the gold value of each program output (a metric's `gold:`, else the output's name). */
export function goldColumns(metric: MetricSpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const { metric: m } of metricNodes(metric)) {
    if (m.kind === "exact_match" || m.kind === "f1" || m.kind === "contains" || m.kind === "json_equal" || m.kind === "numeric") out.set(m.field, m.gold);
    else if (m.kind === "llm_judge" && m.gold) out.set(m.field, m.gold);
  }
  return out;
}

/**
 * Where gold values for step fields come from: `$step.field` → the dataset column of the program
 * output that names it. Fields no program output exposes have no gold.
 */
export function stepGold(graph: Graph): Map<string, string> {
  const columns = goldColumns(graph.spec.metric);
  const byRef = new Map<string, string>();
  for (const o of graph.outputs) byRef.set(refToString(o.ref), columns.get(o.name) ?? o.name);
  return byRef;
}
