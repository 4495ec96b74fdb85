import type { MetricSpec } from "../program/types.js";
import type { Metric } from "./types.js";
import { mean, weighted } from "./composite.js";
import { contains } from "./contains.js";
import { custom } from "./custom.js";
import { exactMatch } from "./exact-match.js";
import { f1 } from "./f1.js";
import { jsonEqual } from "./json-equal.js";
import { llmJudge } from "./llm-judge.js";
import { numeric } from "./numeric.js";
import { regex } from "./regex.js";

export interface BuildMetricOptions {
  /** Directory custom metric modules are resolved from. */
  programDir: string;
  /** The program file, named in errors about the metric. */
  programFile: string;
}

/** Turns the parsed `metric:` section into a Metric; bad settings and modules are UserErrors. */
export async function buildMetric(spec: MetricSpec, options: BuildMetricOptions): Promise<Metric> {
  const { programDir, programFile } = options;
  switch (spec.kind) {
    case "exact_match":
      return exactMatch(spec.field, spec.gold);
    case "f1":
      return f1(spec.field, spec.gold);
    case "contains":
      return contains(spec.field, spec.gold);
    case "regex":
      return regex(spec.field, spec.pattern, spec.flags, programFile);
    case "numeric":
      return numeric(spec.field, spec.gold, spec.tolerance, spec.relative, programFile);
    case "json_equal":
      return jsonEqual(spec.field, spec.gold);
    case "mean":
      return mean(await buildAll(spec.metrics, options), programFile);
    case "weighted": {
      const metrics = await buildAll(spec.metrics.map((m) => m.metric), options);
      return weighted(metrics.map((metric, i) => ({ weight: spec.metrics[i]!.weight, metric })), programFile);
    }
    case "llm_judge":
      return llmJudge(spec);
    case "custom":
      return custom(spec, programDir, programFile);
  }
}

/** In order, one at a time, so the first bad child is the error reported. */
async function buildAll(specs: MetricSpec[], options: BuildMetricOptions): Promise<Metric[]> {
  const out: Metric[] = [];
  for (const spec of specs) out.push(await buildMetric(spec, options));
  return out;
}
