import type { Graph } from "../graph/types.js";
import type { MetricSpec } from "../program/types.js";
import { refToString } from "../program/refs.js";

/** Which dataset column holds the gold value of each program output (a metric's `gold:`, else the output's name). */
export function goldColumns(metric: MetricSpec): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (m: MetricSpec) => {
    switch (m.kind) {
      case "exact_match":
      case "f1":
      case "contains":
      case "json_equal":
      case "numeric":
        out.set(m.field, m.gold);
        break;
      case "llm_judge":
        if (m.gold) out.set(m.field, m.gold);
        break;
      case "mean":
        m.metrics.forEach(walk);
        break;
      case "weighted":
        m.metrics.forEach((w) => walk(w.metric));
        break;
      default:
        break;
    }
  };
  walk(metric);
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
