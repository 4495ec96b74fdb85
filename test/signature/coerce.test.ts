import { describe, expect, it } from "vitest";
import { coerceValue } from "../../src/signature/coerce.js";
import { parseType } from "../../src/signature/parse.js";

const ok = (value: unknown) => ({ ok: true, value });
const fail = (error: string) => ({ ok: false, error });
const coerce = (type: string, raw: unknown) => coerceValue(parseType(type), raw);

describe("coerceValue: numbers", () => {
  it.each([
    ["42", 42],
    [" 42 ", 42],
    ["-0.5", -0.5],
    [".5", 0.5],
    ["1e3", 1000],
    ["$1,200", 1200],
    ["€3.50", 3.5],
    ["50%", 50],
    ["1,234,567.25", 1234567.25],
    ['"7"', 7],
    ["The total is 12.", 12],
    [42, 42],
  ])("number %j → %j", (raw, value) => {
    expect(coerce("number", raw)).toEqual(ok(value));
  });

  it.each([["about 3 or 4"], [""], ["many"], [true], [null]])("number %j fails saying what was expected", (raw) => {
    expect(coerce("number", raw)).toEqual(fail("expected a number"));
  });

  it("reads integers, including 3.0, and refuses fractions", () => {
    expect(coerce("integer", "3.0")).toEqual(ok(3));
    expect(coerce("integer", "1,000")).toEqual(ok(1000));
    expect(coerce("integer", "The answer is 7.")).toEqual(ok(7));
    expect(coerce("integer", 3)).toEqual(ok(3));
    expect(coerce("integer", "3.5")).toEqual(fail("expected an integer"));
    expect(coerce("integer", 2.5)).toEqual(fail("expected an integer"));
    expect(coerce("integer", "seven")).toEqual(fail("expected an integer"));
  });
});

describe("coerceValue: booleans", () => {
  it.each([
    ["True", true],
    ["yes", true],
    ["Yes.", true],
    ["y", true],
    ["1", true],
    ["correct", true],
    ["false", false],
    ["NO", false],
    ["0", false],
    ["incorrect", false],
    [true, true],
    [0, false],
    [1, true],
  ])("boolean %j → %j", (raw, value) => {
    expect(coerce("boolean", raw)).toEqual(ok(value));
  });

  it.each([["maybe"], [2], ["yes and no"]])("boolean %j fails", (raw) => {
    expect(coerce("boolean", raw)).toEqual(fail("expected true or false"));
  });
});

describe("coerceValue: enums", () => {
  const team = "enum(billing, technical, other)";
  it.each([
    ["billing", "billing"],
    ["BILLING", "billing"],
    ["Billing.", "billing"],
    ["  technical  ", "technical"],
    ['"other"', "other"],
    ["- billing", "billing"],
    ["The team is billing, clearly.", "billing"],
    ["I would send this to Technical support", "technical"],
  ])("%j → %j", (raw, value) => {
    expect(coerce(team, raw)).toEqual(ok(value));
  });

  it("keeps the option's own spelling", () => {
    expect(coerce("enum(Low, High)", "low")).toEqual(ok("Low"));
  });

  it("matches options with spaces and punctuation as whole words only", () => {
    expect(coerce("enum(needs review, done)", "this needs review today")).toEqual(ok("needs review"));
    // "done" inside "abandoned" is not the option.
    expect(coerce("enum(done, open)", "abandoned")).toEqual(fail("expected one of: done, open"));
  });

  it("fails when the text names no option or several", () => {
    expect(coerce(team, "shipping")).toEqual(fail("expected one of: billing, technical, other"));
    expect(coerce(team, "billing or technical")).toEqual(fail("expected one of: billing, technical, other"));
  });

  it("reads numbers and booleans as their text", () => {
    expect(coerce("enum(1, 2, 3)", 2)).toEqual(ok("2"));
    expect(coerce("enum(true, false)", false)).toEqual(ok("false"));
  });
});

describe("coerceValue: lists", () => {
  it("reads a JSON array", () => {
    expect(coerce("list[string]", '["a", "b, c"]')).toEqual(ok(["a", "b, c"]));
    expect(coerce("list[integer]", "[1, 2, 3]")).toEqual(ok([1, 2, 3]));
  });

  it("reads bullet and numbered lines", () => {
    expect(coerce("list[string]", "- red apples\n* green pears\n• blue plums")).toEqual(ok(["red apples", "green pears", "blue plums"]));
    expect(coerce("list[string]", "1. first thing\n2) second thing")).toEqual(ok(["first thing", "second thing"]));
  });

  it("splits one line on commas (and semicolons) for short items", () => {
    expect(coerce("list[string]", "red, green; blue")).toEqual(ok(["red", "green", "blue"]));
    expect(coerce("list[integer]", "1, 2, 3")).toEqual(ok([1, 2, 3]));
  });

  it("keeps one long sentence whole rather than splitting it on commas", () => {
    const sentence = "The storm, which lasted for three whole days, flooded the lower town completely";
    expect(coerce("list[string]", sentence)).toEqual(ok([sentence]));
  });

  it("reads code fences, empty text and nested lists", () => {
    expect(coerce("list[string]", '```json\n["x", "y"]\n```')).toEqual(ok(["x", "y"]));
    expect(coerce("list[string]", "")).toEqual(ok([]));
    expect(coerce("list[list[integer]]", "[[1, 2], [3]]")).toEqual(ok([[1, 2], [3]]));
  });

  it("coerces every item to the item type", () => {
    expect(coerce("list[integer]", ["1", "2.0", 3])).toEqual(ok([1, 2, 3]));
    expect(coerce("list[enum(a, b)]", "A, b")).toEqual(ok(["a", "b"]));
  });

  it("says which item is wrong", () => {
    expect(coerce("list[integer]", "1, x, 3")).toEqual(fail("item 2: expected an integer"));
    expect(coerce("list[list[integer]]", [[1], [2, "y"]])).toEqual(fail("item 2.2: expected an integer"));
  });

  it("refuses what is not a list", () => {
    expect(coerce("list[string]", 42)).toEqual(fail("expected a list"));
    expect(coerce("list[string]", { a: 1 })).toEqual(fail("expected a list"));
  });
});

describe("coerceValue: json and strings", () => {
  it("parses JSON text, with or without a code fence", () => {
    expect(coerce("json", '{"a": 1}')).toEqual(ok({ a: 1 }));
    expect(coerce("json", '```json\n{"a": [1, 2]}\n```')).toEqual(ok({ a: [1, 2] }));
    expect(coerce("json", "[1, 2]")).toEqual(ok([1, 2]));
    expect(coerce("json", "3")).toEqual(ok(3));
  });

  it("passes structured values through", () => {
    expect(coerce("json", { a: [1] })).toEqual(ok({ a: [1] }));
    expect(coerce("json", null)).toEqual(ok(null));
  });

  it("fails on text that is not JSON", () => {
    expect(coerce("json", "not json")).toEqual(fail("expected JSON"));
    expect(coerce("json", '{"a": 1')).toEqual(fail("expected JSON"));
  });

  it("turns scalars and structures into text, trimmed and unfenced", () => {
    expect(coerce("string", "  hello  ")).toEqual(ok("hello"));
    expect(coerce("string", "```\nhi there\n```")).toEqual(ok("hi there"));
    expect(coerce("string", 42)).toEqual(ok("42"));
    expect(coerce("string", false)).toEqual(ok("false"));
    expect(coerce("string", { a: 1 })).toEqual(ok('{"a":1}'));
    expect(coerce("string", null)).toEqual(fail("expected text"));
  });
});

describe("coerceValue: enum options that contain one another", () => {
  const urgency = "enum(urgent, not urgent)";
  it("prefers the longer option a sentence names", () => {
    expect(coerce(urgency, "This is not urgent at all.")).toEqual(ok("not urgent"));
    expect(coerce(urgency, "This is urgent!")).toEqual(ok("urgent"));
    expect(coerce("enum(high, very high, low)", "I'd say very high")).toEqual(ok("very high"));
  });

  it("still refuses a sentence naming two options", () => {
    expect(coerce("enum(high, very high, low)", "very high cost but low risk")).toEqual(fail("expected one of: high, very high, low"));
    expect(coerce(urgency, "urgent or not urgent?")).toEqual(fail("expected one of: urgent, not urgent"));
  });
});
