import { describe, expect, it } from "vitest";
import { meanWithCI } from "../../src/evaluate/stats.js";
import { EvalTally } from "../../src/evaluate/tally.js";
import type { ExampleResult } from "../../src/evaluate/types.js";
import { Rng } from "../../src/util/rng.js";
import { result as fixture } from "../cli/report/fixtures.js";

const result = (index: number, score: number, extra: Partial<ExampleResult> = {}) =>
  fixture(`ex${index}`, index, {
    score,
    usage: { promptTokens: 100 + index, completionTokens: 7, cachedTokens: 0 },
    costUsd: (0.001 * (1 + (index % 7))) / 3,
    cachedCalls: index % 3 === 0 ? 1 : 0,
    ...extra,
  });

describe("EvalTally", () => {
  it("gives exactly the figures of the results reduced in example order, whatever order they finish in", () => {
    const rng = new Rng(7);
    // Scores whose float sums depend on the order they are added in.
    const results = Array.from({ length: 301 }, (_, i) => result(i, (rng.nextUint32() % 1000) / 999, i % 17 === 0 ? { error: { kind: "step", message: "x" } } : {}));
    const inOrder = meanWithCI(results.map((r) => r.score));
    let cost = 0;
    for (const r of results) cost += r.costUsd!;
    for (let round = 0; round < 5; round++) {
      const tally = new EvalTally(results.length, 3);
      const arrival = rng.shuffle(results);
      // The check has teeth: summed in arrival order, these scores give another mean.
      if (round === 0) expect(arrival.reduce((a, r) => a + r.score, 0) / arrival.length).not.toBe(inOrder.mean);
      for (const r of arrival) tally.add(r);
      const { summary } = tally.outcome(12, "budget");
      expect(summary.mean).toBe(inOrder.mean);
      expect(summary.ci95).toEqual(inOrder.ci95);
      expect(summary.costUsd).toBe(cost);
      expect(summary).toMatchObject({ total: 301, done: 301, errors: 18, calls: 301, cachedCalls: 101, memoized: 0, wallMs: 12 });
      expect(summary.usage.promptTokens).toBe(results.reduce((a, r) => a + r.usage.promptTokens, 0));
      // Everything was done, so it did not stop early.
      expect(summary.stopped).toBeUndefined();
    }
  });

  it("counts only what finished, says why it stopped, and knows when a price was unknown", () => {
    const tally = new EvalTally(10, 5);
    tally.add(result(4, 0.5, { memoized: true }));
    tally.add(result(1, 1, { costUsd: null }));
    const { summary } = tally.outcome(3, "interrupted");
    expect(summary).toMatchObject({ total: 10, done: 2, mean: 0.75, memoized: 1, costUsd: null, stopped: "interrupted" });
    expect(summary.ci95).toEqual(meanWithCI([1, 0.5]).ci95);
  });

  it("reports nothing scored as no mean, not as a perfect score", () => {
    const { summary, lowest } = new EvalTally(0, 5).outcome(0);
    expect(summary.done).toBe(0);
    expect(Number.isNaN(summary.mean)).toBe(true);
    expect(lowest).toEqual([]);
  });

  it("keeps the lowest results without their traces", () => {
    const tally = new EvalTally(4, 2);
    tally.add(result(0, 0.2, { trace: [{ step: "s", module: "predict", inputs: {}, calls: [], latencyMs: 1 }] }));
    tally.add(result(1, 1));
    tally.add(result(2, 0.1));
    tally.add(result(3, 0.9));
    const { lowest } = tally.outcome(1);
    expect(lowest.map((r) => r.exampleId)).toEqual(["ex2", "ex0"]);
    expect(lowest[1]).not.toHaveProperty("trace");
  });
});
