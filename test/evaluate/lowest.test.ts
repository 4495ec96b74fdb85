import { describe, expect, it } from "vitest";
import { LowestResults } from "../../src/evaluate/lowest.js";
import { worstResults } from "../../src/cli/report/text.js";
import { Rng } from "../../src/util/rng.js";
import { result } from "../cli/report/fixtures.js";

const digest = (index: number, score: number, error = false) =>
  result(`ex${index}`, index, { score, ...(error ? { error: { kind: "metric" as const, message: "boom" } } : {}) });

describe("LowestResults", () => {
  it("keeps the same k results, in the same order, as sorting everything would, whatever the arrival order", () => {
    const rng = new Rng(3);
    for (let round = 0; round < 30; round++) {
      const n = 1 + (rng.nextUint32() % 200);
      // Few distinct scores, so ties (broken by errors, then example order) are common; some scores of 1.
      const all = Array.from({ length: n }, (_, i) => digest(i, [0, 0.25, 0.5, 1, Number.NaN][rng.nextUint32() % 5]!, rng.nextUint32() % 4 === 0));
      const k = rng.nextUint32() % 12;
      const lowest = new LowestResults(k);
      const arrival = rng.shuffle(all);
      for (const r of arrival) lowest.offer(r);
      expect(lowest.list().map((r) => r.index)).toEqual(worstResults(all, k).map((r) => r.index));
    }
  });

  it("never keeps more than asked, nor a result that scored 1 without an error", () => {
    const lowest = new LowestResults(3);
    for (let i = 0; i < 1000; i++) lowest.offer(digest(i, i % 2 === 0 ? 1 : 1 - i / 1000));
    lowest.offer(digest(5000, 1, true));
    expect(lowest.list().map((r) => r.index)).toEqual([999, 997, 995]);
    const perfect = new LowestResults(3);
    perfect.offer(digest(0, 1));
    expect(perfect.list()).toEqual([]);
  });
});
