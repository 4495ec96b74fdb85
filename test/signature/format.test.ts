import { describe, expect, it } from "vitest";
import { isAssignable, signatureToString, typesEqual, typeToString } from "../../src/signature/format.js";
import { parseSignature, parseType } from "../../src/signature/parse.js";
import { closedOptions } from "../../src/signature/types.js";

const assignable = (from: string, to: string) => isAssignable(parseType(from), parseType(to));

describe("isAssignable", () => {
  it.each([
    ["enum(a, b)", "string", true],
    ["integer", "string", true],
    ["number", "string", true],
    ["boolean", "string", true],
    ["string", "string", true],
    ["list[string]", "string", false],
    ["json", "string", false],
    ["enum(a, b)", "enum(a, b, c)", true],
    ["enum(A, b)", "enum(a, B)", true],
    ["enum(a, b, c)", "enum(a, b)", false],
    ["string", "enum(a, b)", false],
    ["integer", "number", true],
    ["number", "integer", false],
    ["string", "number", false],
    ["integer", "integer", true],
    ["boolean", "boolean", true],
    ["string", "boolean", false],
    ["list[integer]", "list[number]", true],
    ["list[number]", "list[integer]", false],
    ["list[enum(a)]", "list[string]", true],
    ["string", "list[string]", false],
    ["list[list[string]]", "list[string]", false],
    ["string", "json", true],
    ["list[list[integer]]", "json", true],
    ["enum(a)", "json", true],
    ["json", "json", true],
  ])("%s → %s: %s", (from, to, expected) => {
    expect(assignable(from, to)).toBe(expected);
  });
});

describe("typeToString / signatureToString", () => {
  it("writes types as the user would, quoting options that need it", () => {
    expect(typeToString(parseType("list[list[int]]"))).toBe("list[list[integer]]");
    expect(typeToString(parseType('enum(low, "needs review", "a, b", "x->y")'))).toBe('enum(low, needs review, "a, b", "x->y")');
  });

  it("round-trips a signature, untyped fields staying bare", () => {
    const text = 'question, context: list[string] -> answer, confidence: enum(low, "a, b"), n: integer';
    expect(signatureToString(parseSignature(text))).toBe(text);
    expect(signatureToString(parseSignature(signatureToString(parseSignature(text))))).toBe(text);
  });

  it("compares types structurally", () => {
    expect(typesEqual(parseType("int"), parseType("integer"))).toBe(true);
    expect(typesEqual(parseType("enum(a, b)"), parseType("enum(b, a)"))).toBe(false);
  });

  it("lists the options of closed types", () => {
    expect(closedOptions(parseType("enum(x, y)"))).toEqual(["x", "y"]);
    expect(closedOptions(parseType("bool"))).toEqual(["false", "true"]);
    expect(closedOptions(parseType("string"))).toBeUndefined();
  });
});
