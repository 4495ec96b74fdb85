import { describe, expect, it } from "vitest";
import type { MetricSpec } from "../../src/program/types.js";
import { UserError } from "../../src/util/errors.js";
import { build, example, NO_LM, scoreOf } from "./helpers.js";

const team: MetricSpec = { kind: "exact_match", field: "team", gold: "team" };
const urgency: MetricSpec = { kind: "exact_match", field: "urgency", gold: "urgency" };
const answer: MetricSpec = { kind: "f1", field: "answer", gold: "answer" };

describe("mean", () => {
  const spec: MetricSpec = { kind: "mean", metrics: [team, urgency] };

  it("averages its children and names them", async () => {
    const m = await build(spec);
    expect(m.name).toBe("mean(exact_match(team), exact_match(urgency))");
    expect(m.labels).toEqual(["team", "urgency"]);
  });

  it("keeps only the feedback of children that were not perfect", async () => {
    const r = await scoreOf(spec, { team: "billing", urgency: "high" }, { team: "billing", urgency: "low" });
    expect(r).toEqual({ score: 0.5, feedback: "urgency: expected high, got low" });
    const both = await scoreOf(spec, { team: "billing", urgency: "high" }, { team: "other", urgency: "low" });
    expect(both).toEqual({ score: 0, feedback: "team: expected billing, got other\nurgency: expected high, got low" });
  });

  it("confirms when every child is perfect", async () => {
    const r = await scoreOf(spec, { team: "billing", urgency: "high" }, { team: "billing", urgency: "high" });
    expect(r).toEqual({ score: 1, feedback: "team: correct (billing)\nurgency: correct (high)" });
  });

  it("describes a child that gave no feedback by its score", async () => {
    const r = await scoreOf(
      { kind: "mean", metrics: [team, { kind: "custom", module: "./metric.js", export: "half" }] },
      { team: "billing" },
      { team: "billing" },
    );
    expect(r).toEqual({ score: 0.75, feedback: "custom(./metric.js#half): score 0.5" });
  });

  it("needs at least one child", async () => {
    await expect(build({ kind: "mean", metrics: [] })).rejects.toThrow(UserError);
  });

  it("nests and lists each gold field once", async () => {
    const m = await build({
      kind: "mean",
      metrics: [{ kind: "weighted", metrics: [{ weight: 1, metric: team }, { weight: 1, metric: answer }] }, team],
    });
    expect(m.labels).toEqual(["team", "answer"]);
    expect(m.name).toBe("mean(weighted(1*exact_match(team), 1*f1(answer)), exact_match(team))");
  });
});

describe("weighted", () => {
  it("computes Σ wᵢ·sᵢ / Σ wᵢ", async () => {
    const spec: MetricSpec = { kind: "weighted", metrics: [{ weight: 3, metric: team }, { weight: 1, metric: answer }] };
    // team right (1); answer "paris france" vs gold "paris": P = 1/2, R = 1, F1 = 2/3.
    const r = await scoreOf(spec, { team: "billing", answer: "paris" }, { team: "billing", answer: "paris france" });
    expect(r.score).toBeCloseTo((3 + 2 / 3) / 4, 10);
    expect(r.feedback).toBe("answer: F1 0.67; extra: france");
    expect((await build(spec)).name).toBe("weighted(3*exact_match(team), 1*f1(answer))");
  });

  it("does not score children of weight 0", async () => {
    const spec: MetricSpec = { kind: "weighted", metrics: [{ weight: 1, metric: team }, { weight: 0, metric: urgency }] };
    const m = await build(spec);
    expect(m.labels).toEqual(["team"]);
    // The example has no `urgency`: scoring that child would fail.
    const r = await m.score(example({ team: "billing" }), { team: "billing" }, [], NO_LM);
    expect(r.score).toBe(1);
  });

  it.each([
    [[-1, 1], "must be a number ≥ 0, got -1"],
    [[Number.NaN, 1], "must be a number ≥ 0, got NaN"],
    [[0, 0], "at least one metric with a weight above 0"],
    [[], "at least one metric with a weight above 0"],
  ])("rejects weights %j", async (weights, message) => {
    const spec: MetricSpec = { kind: "weighted", metrics: weights.map((weight) => ({ weight, metric: team })) };
    const err = await build(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(message);
  });
});
