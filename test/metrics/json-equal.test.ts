import { describe, expect, it } from "vitest";
import { firstDifference, parseJsonText } from "../../src/metrics/json-equal.js";
import { scoreOf } from "./helpers.js";

const DATA = { kind: "json_equal", field: "data", gold: "data" } as const;

describe("json_equal", () => {
  it("ignores key order", async () => {
    const r = await scoreOf(DATA, { data: { a: 1, b: { c: [1, 2], d: null } } }, { data: { b: { d: null, c: [1, 2] }, a: 1 } });
    expect(r).toEqual({ score: 1, feedback: "data: equal to the expected JSON" });
  });

  it("parses strings holding JSON on either side", async () => {
    expect((await scoreOf(DATA, { data: { a: [1, 2] } }, { data: '{ "a": [1, 2] }' })).score).toBe(1);
    expect((await scoreOf(DATA, { data: '{"b": true, "a": "x"}' }, { data: { a: "x", b: true } })).score).toBe(1);
    expect((await scoreOf(DATA, { data: [1, 2] }, { data: "```json\n[1, 2]\n```" })).score).toBe(1);
    expect((await scoreOf(DATA, { data: 42 }, { data: "42" })).score).toBe(1);
  });

  it("compares plain strings exactly", async () => {
    expect((await scoreOf(DATA, { data: "hello" }, { data: "hello" })).score).toBe(1);
    expect((await scoreOf(DATA, { data: "hello" }, { data: "Hello" })).score).toBe(0);
  });

  it("keeps array order and points at the first difference", async () => {
    const r = await scoreOf(DATA, { data: { items: [{ name: "x" }, { name: "y" }] } }, { data: { items: [{ name: "x" }, { name: "z" }] } });
    expect(r).toEqual({ score: 0, feedback: 'data: differs at .items[1].name: expected "y", got "z"' });
    expect((await scoreOf(DATA, { data: [1, 2] }, { data: [2, 1] })).feedback).toBe("data: differs at [0]: expected 1, got 2");
  });

  it("reports missing keys and wholly different values", async () => {
    expect((await scoreOf(DATA, { data: { a: 1, b: 2 } }, { data: { a: 1 } })).feedback).toBe(
      "data: differs at .b: expected 2, got nothing",
    );
    expect((await scoreOf(DATA, { data: { a: 1 } }, { data: "not json" })).feedback).toBe(
      'data: expected {"a":1}, got not json',
    );
    expect((await scoreOf(DATA, { data: { a: 1 } }, {})).feedback).toBe('data: expected {"a":1}, got nothing');
  });

  it("helpers", () => {
    expect(parseJsonText("  [1]  ")).toEqual([1]);
    expect(parseJsonText("{oops")).toBe("{oops");
    expect(firstDifference({ a: [1] }, { a: [1] })).toBeUndefined();
    expect(firstDifference([1], [1, 2])?.path).toBe("(top level)");
  });
});
