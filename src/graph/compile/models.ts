import type { Problem } from "../../util/errors.js";
import { parseModelSpec } from "../../lm/spec.js";
import type { ReadProgram } from "../../program/load.js";
import { metricNodes } from "../../program/metric-nodes.js";
import type { LMConfig } from "../../program/types.js";
import type { YamlPath } from "../../program/yaml-source.js";
import { describePath } from "../../program/zod-problems.js";

/** Phase 5, models: every model the file names (the program's, each step's, each judge's) is `provider:model` of a known provider. */
export function checkModels(read: ReadProgram): Problem[] {
  const { spec } = read;
  const named: { lm: LMConfig | undefined; path: YamlPath }[] = [
    { lm: spec.lm, path: ["lm"] },
    ...spec.steps.map((step) => ({ lm: step.lm, path: ["steps", step.name, "lm"] })),
    ...metricNodes(spec.metric).flatMap(({ metric, path }) => (metric.kind === "llm_judge" ? [{ lm: metric.lm, path: [...path, "llm_judge", "lm"] }] : [])),
  ];
  return named.flatMap(({ lm, path }) => {
    if (!lm?.model) return [];
    try {
      parseModelSpec(lm.model);
      return [];
    } catch (err) {
      return [{ message: `${describePath(path)}: ${(err as Error).message}`, pos: read.source.posOf(path) }];
    }
  });
}
