import type { MetricSpec } from "../program/types.js";
import { displayPath } from "../util/display-path.js";
import type { SourcePos } from "../util/errors.js";
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
  /** Source positions of the program's YAML paths (`ProgramSpec.positions`), so errors name file:line:column. */
  positions?: ReadonlyMap<string, SourcePos>;
}

/** Turns the parsed `metric:` section into a Metric; bad settings and modules are UserErrors. */
export async function buildMetric(spec: MetricSpec, options: BuildMetricOptions, path: (string | number)[] = ["metric"]): Promise<Metric> {
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
      return mean(await buildAll(spec.metrics.map((m, i) => ({ spec: m, path: [...path, "mean", i] })), options), programFile);
    case "weighted": {
      const metrics = await buildAll(spec.metrics.map((m, i) => ({ spec: m.metric, path: [...path, "weighted", i, "metric"] })), options);
      return weighted(metrics.map((metric, i) => ({ weight: spec.metrics[i]!.weight, metric })), programFile);
    }
    case "llm_judge":
      return llmJudge(spec);
    case "custom":
      return custom(spec, programDir, options.positions?.get([...path, "module"].join(".")) ?? { file: displayPath(programFile) });
  }
}

/** In order, one at a time, so the first bad child is the error reported. */
async function buildAll(specs: { spec: MetricSpec; path: (string | number)[] }[], options: BuildMetricOptions): Promise<Metric[]> {
  const out: Metric[] = [];
  for (const { spec, path } of specs) out.push(await buildMetric(spec, options, path));
  return out;
}
