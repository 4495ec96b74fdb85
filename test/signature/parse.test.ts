import { describe, expect, it } from "vitest";
import { parseSignature, parseType, SignatureSyntaxError, TYPE_NAMES } from "../../src/signature/parse.js";
import type { Signature } from "../../src/signature/types.js";

/** The error a parse throws, with its offset (fails the test when nothing is thrown). */
function errorOf(text: string, parse: (t: string) => unknown = parseSignature): SignatureSyntaxError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof SignatureSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

/** Only the parts the user wrote: name, type, typed. */
function shape(sig: Signature) {
  const side = (fields: Signature["inputs"]) => fields.map((f) => [f.name, f.type, f.typed]);
  return { inputs: side(sig.inputs), outputs: side(sig.outputs) };
}

describe("parseSignature", () => {
  it("reads typed and untyped fields on both sides, in order", () => {
    expect(shape(parseSignature("a, b: list[string] -> c: enum(x, y), d: integer"))).toEqual({
      inputs: [
        ["a", { kind: "string" }, false],
        ["b", { kind: "list", item: { kind: "string" } }, true],
      ],
      outputs: [
        ["c", { kind: "enum", options: ["x", "y"] }, true],
        ["d", { kind: "integer" }, true],
      ],
    });
  });

  it("accepts the Python-style aliases", () => {
    const sig = parseSignature("q: str, n: int -> f: float, ok: bool, d: dict, l: Literal['a', 'b'], t: text, o: object");
    expect(shape(sig)).toEqual({
      inputs: [
        ["q", { kind: "string" }, true],
        ["n", { kind: "integer" }, true],
      ],
      outputs: [
        ["f", { kind: "number" }, true],
        ["ok", { kind: "boolean" }, true],
        ["d", { kind: "json" }, true],
        ["l", { kind: "enum", options: ["a", "b"] }, true],
        ["t", { kind: "string" }, true],
        ["o", { kind: "json" }, true],
      ],
    });
  });

  it("is case-insensitive about type names and accepts both bracket styles", () => {
    expect(parseType("LIST[Str]")).toEqual({ kind: "list", item: { kind: "string" } });
    expect(parseType("list(int)")).toEqual({ kind: "list", item: { kind: "integer" } });
    expect(parseType("enum[x, y]")).toEqual({ kind: "enum", options: ["x", "y"] });
    expect(parseType("Literal[x, y]")).toEqual({ kind: "enum", options: ["x", "y"] });
    expect(parseType("Boolean")).toEqual({ kind: "boolean" });
  });

  it("reads quoted enum options with commas, parentheses and arrows inside", () => {
    const sig = parseSignature(`q -> c: enum("a, b", 'c)', d, "x->y")`);
    expect(sig.outputs[0]!.type).toEqual({ kind: "enum", options: ["a, b", "c)", "d", "x->y"] });
  });

  it("keeps spaces inside unquoted options and trims around them", () => {
    expect(parseType("enum( needs review ,done )")).toEqual({ kind: "enum", options: ["needs review", "done"] });
  });

  it("reads nested lists", () => {
    expect(parseType("list[list[enum(a, b)]]")).toEqual({
      kind: "list",
      item: { kind: "list", item: { kind: "enum", options: ["a", "b"] } },
    });
    expect(shape(parseSignature("q -> grid: list[list[int]]")).outputs).toEqual([
      ["grid", { kind: "list", item: { kind: "list", item: { kind: "integer" } } }, true],
    ]);
  });

  it("does not need spaces around the arrow or colons", () => {
    expect(shape(parseSignature("q->x:int,y"))).toEqual({
      inputs: [["q", { kind: "string" }, false]],
      outputs: [
        ["x", { kind: "integer" }, true],
        ["y", { kind: "string" }, false],
      ],
    });
  });
});

describe("parseSignature errors carry the 0-based offset of the problem", () => {
  const cases: [string, number, string][] = [
    // text, offset, message
    ["question answer", 15, 'a signature needs "->" between inputs and outputs'],
    ["a -> b -> c", 7, 'a signature has exactly one "->"'],
    ["q -> x: strng", 8, 'unknown type "strng" (expected one of string, number, integer, boolean, json, enum(…), list[…])'],
    ['q -> c: enum("abc, d)', 13, 'unterminated quoted enum option (no closing ")'],
    ["q -> c: enum('abc, d)", 13, "unterminated quoted enum option (no closing ')"],
    ["a, a -> b", 3, 'input field "a" appears twice'],
    ["q -> x, y, x", 11, 'output field "x" appears twice'],
    ["q -> q", 5, '"q" is both an input and an output'],
    // The clash is found at the output field, not at an earlier field that merely contains its name.
    ["q -> aq, q", 9, '"q" is both an input and an output'],
    [" -> b", 0, "a signature needs at least one input field"],
    ["a -> ", 5, "a signature needs at least one output field"],
    ["a -> b c", 7, 'expected "," or end of signature, found "c"'],
    ["a -> b: int)", 11, 'expected "," or end of signature, found ")"'],
    ["a b -> c", 2, 'expected "," or "->", found "b"'],
    ["a, -> c", 3, 'expected a field or type name, found "-"'],
    ["a -> b,", 7, "expected a field or type name, found end of text"],
    ["a -> b: enum()", 13, 'expected an enum option, found ")"'],
    ["a -> b: enum(x, y", 17, 'expected "," or ")" in enum options, found end of text'],
    ["a -> b: enum(x, y, X)", 19, 'enum option "X" is listed twice'],
    ["a -> b: list[]", 13, 'expected a field or type name, found "]"'],
    ["a -> b: list[int", 16, 'expected "]" closing list, found end of text'],
    ["1a -> b", 0, 'expected a field or type name, found "1"'],
  ];
  it.each(cases)("%j → offset %i", (text, offset, message) => {
    const err = errorOf(text);
    expect({ offset: err.offset, message: err.message }).toEqual({ offset, message });
  });

  it("lists every type it knows when the type is unknown", () => {
    expect(TYPE_NAMES).toEqual(["string", "number", "integer", "boolean", "json", "enum(…)", "list[…]"]);
    const err = errorOf("datetime", parseType);
    expect(err.offset).toBe(0);
    for (const name of TYPE_NAMES) expect(err.message).toContain(name);
  });

  it("reports junk after a type at the junk", () => {
    const err = errorOf("integer please", parseType);
    expect({ offset: err.offset, message: err.message }).toEqual({ offset: 8, message: 'unexpected text after the type, found "p"' });
  });
});
