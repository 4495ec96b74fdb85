import { describe, expect, it } from "vitest";
import { metricNodes } from "../../src/program/metric-nodes.js";
import type { MetricSpec } from "../../src/program/types.js";
import { goldColumns } from "../../src/optimize/gold.js";

const judge: MetricSpec = { kind: "llm_judge", field: "answer", rubric: "ok?", gold: "expected" };
const tree: MetricSpec = {
  kind: "weighted",
  metrics: [
    { weight: 2, metric: { kind: "mean", metrics: [{ kind: "exact_match", field: "team", gold: "label" }, judge] } },
    { weight: 1, metric: { kind: "custom", module: "m.mjs", export: "default" } },
  ],
};

describe("metricNodes: the one walk of the metric tree", () => {
  it("visits every metric, each composite before its children, children in order, with its YAML path", () => {
    expect(metricNodes(tree).map((n) => [n.metric.kind, n.path.join(".")])).toEqual([
      ["weighted", "metric"],
      ["mean", "metric.weighted.0.metric"],
      ["exact_match", "metric.weighted.0.metric.mean.0"],
      ["llm_judge", "metric.weighted.0.metric.mean.1"],
      ["custom", "metric.weighted.1.metric"],
    ]);
  });

  it("is the metric alone for a leaf", () => {
    expect(metricNodes(judge)).toEqual([{ metric: judge, path: ["metric"] }]);
  });
});

describe("goldColumns (walks the tree with metricNodes)", () => {
  it("maps each output to its gold column at any depth; a judge without gold names none", () => {
    expect(goldColumns(tree)).toEqual(new Map([["team", "label"], ["answer", "expected"]]));
    expect(goldColumns({ kind: "mean", metrics: [{ ...judge, gold: undefined } as MetricSpec] })).toEqual(new Map());
  });
});
