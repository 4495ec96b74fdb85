import { describe, expect, it } from "vitest";
import { findMarkers, marker, readSections, sections } from "../../src/adapters/markers.js";
import { readNumberedList, renderInputValue, renderNumberedList, renderOutputValue } from "../../src/adapters/render-value.js";

describe("markers", () => {
  it("renders sections separated by blank lines, empty values as a bare marker", () => {
    expect(marker("team")).toBe("[[ ## team ## ]]");
    expect(sections([{ name: "a", value: "1\n2" }, { name: "b", value: "" }])).toBe("[[ ## a ## ]]\n1\n2\n\n[[ ## b ## ]]");
  });

  it("finds loose spellings", () => {
    expect(findMarkers("x [[##A##]] y [[ #  Long   Name # ]] [[ ## ]] [[ team ]]").map((m) => m.name)).toEqual(["a", "long name"]);
  });

  it("reads each marker's value up to the next marker, first one winning", () => {
    expect([...readSections("pre [[ ## a ## ]] one\n[[ ## b ## ]]\n two \n[[ ## a ## ]] again")]).toEqual([
      ["a", "one"],
      ["b", "two"],
    ]);
  });
});

describe("value rendering", () => {
  it("writes inputs as text, string lists numbered, the rest as canonical JSON", () => {
    const str = { kind: "string" } as const;
    expect(renderInputValue("a «b»", str)).toBe("a «b»");
    expect(renderInputValue(3.5, str)).toBe("3.5");
    expect(renderInputValue(false, str)).toBe("false");
    expect(renderInputValue(undefined, str)).toBe("");
    expect(renderInputValue(null, str)).toBe("");
    expect(renderInputValue(["x", "y"], { kind: "list", item: str })).toBe("[1] «x»\n[2] «y»");
    expect(renderInputValue([], { kind: "list", item: str })).toBe("[]");
    expect(renderInputValue(["x"], { kind: "json" })).toBe('["x"]');
    expect(renderInputValue([1, 2], { kind: "list", item: { kind: "number" } })).toBe("[1,2]");
    expect(renderInputValue({ b: 1, a: { d: 1, c: 2 } }, { kind: "json" })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it("writes output lists as JSON", () => {
    expect(renderOutputValue(["x", "y"])).toBe('["x","y"]');
  });

  it("reads the numbered form back only when the whole text is in it", () => {
    expect(readNumberedList(renderNumberedList(["a", "b, c", "multi\nline"]))).toEqual(["a", "b, c", "multi\nline"]);
    expect(readNumberedList("[1] «a» and more")).toBeUndefined();
    expect(readNumberedList("a, b")).toBeUndefined();
  });
});
