import { describe, expect, it } from "vitest";
import { readNumber } from "../../src/metrics/numeric.js";
import { UserError } from "../../src/util/errors.js";
import { build, scoreOf } from "./helpers.js";

describe("readNumber", () => {
  it.each([
    [7, 7],
    ["42", 42],
    ["1,200", 1200],
    ["$3.50", 3.5],
    ["-$3.50", -3.5],
    ["\u22125", -5],
    ["1,234,567.5 units", 1234567.5],
    ["The answer is 42.", 42],
    ["5 + 3 = 8", 8],
    ["12kg", 12],
    ["3-4", 4],
    ["1.5e3", 1500],
    [".5", 0.5],
    ["1, 2, 3", 3],
  ])("reads %j as %d", (text, n) => {
    expect(readNumber(text)).toBe(n);
  });

  it.each([["abc"], ["v2"], [""], [null], [true], [Number.NaN], [{ n: 1 }]])("finds no number in %j", (v) => {
    expect(readNumber(v)).toBeUndefined();
  });
});

describe("numeric", () => {
  const abs = { kind: "numeric", field: "x", gold: "x", tolerance: 0.5, relative: false } as const;
  const rel = { kind: "numeric", field: "x", gold: "x", tolerance: 0.05, relative: true } as const;

  it("accepts an absolute difference within tolerance", async () => {
    expect((await scoreOf(abs, { x: 10 }, { x: "10.4" })).score).toBe(1);
    expect((await scoreOf(abs, { x: 10 }, { x: 9.5 })).score).toBe(1);
    const r = await scoreOf(abs, { x: 10 }, { x: 10.6 });
    expect(r).toEqual({ score: 0, feedback: "x: expected 10 (±0.5), got 10.6 (off by 0.6)" });
  });

  it("accepts a difference relative to the gold", async () => {
    expect((await scoreOf(rel, { x: 200 }, { x: 209 })).score).toBe(1);
    expect((await scoreOf(rel, { x: -200 }, { x: -190 })).score).toBe(1);
    const r = await scoreOf(rel, { x: 200 }, { x: 211 });
    expect(r).toEqual({ score: 0, feedback: "x: expected 200 (±5%), got 211 (off by 11)" });
  });

  it("absorbs floating point error at tolerance 0", async () => {
    const exact = { kind: "numeric", field: "x", gold: "x", tolerance: 0, relative: false } as const;
    expect((await scoreOf(exact, { x: 0.3 }, { x: 0.1 + 0.2 })).score).toBe(1);
    expect((await scoreOf(exact, { x: 0.3 }, { x: 0.30001 })).score).toBe(0);
  });

  it("reads numbers written as text on both sides", async () => {
    expect((await scoreOf(abs, { x: "1,200" }, { x: "about $1,200.25" })).score).toBe(1);
  });

  it("scores unreadable output 0 with feedback", async () => {
    const r = await scoreOf(abs, { x: 3 }, { x: "three" });
    expect(r).toEqual({ score: 0, feedback: "x: expected 3, got three (not a number)" });
  });

  it("accepts any of a gold list", async () => {
    expect((await scoreOf(abs, { x: [1, 5] }, { x: "5.2" })).score).toBe(1);
    expect((await scoreOf(abs, { x: [1, 5] }, { x: "7" })).feedback).toBe("x: expected 1 or 5 (±0.5), got 7 (off by 2)");
  });

  it("fails the example when its gold is not a number", async () => {
    await expect(scoreOf(abs, { x: "n/a" }, { x: 1 })).rejects.toThrow("gold `x` is not a number");
  });

  it("names its tolerance and rejects a negative one", async () => {
    expect((await build(abs)).name).toBe("numeric(x, ±0.5)");
    expect((await build(rel)).name).toBe("numeric(x, ±5%)");
    await expect(build({ ...abs, tolerance: -1 })).rejects.toThrow(UserError);
  });
});
