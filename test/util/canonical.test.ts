import { describe, expect, it } from "vitest";
import { canonicalJson, hashOf } from "../../src/util/canonical.js";

/** The definition canonicalJson must agree with: JSON of copies with keys sorted at every depth. */
function reference(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sort(x)));
    if (v !== null && typeof v === "object") {
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") return sort((v as { toJSON: () => unknown }).toJSON());
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

describe("canonicalJson", () => {
  const cases: unknown[] = [
    null,
    0,
    -0,
    1.5e-7,
    1e21,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    "quote \" backslash \\ newline \n unicode é \u2028",
    [],
    {},
    [1, undefined, () => 1, "x", [null, { b: 1, a: 2 }]],
    { z: 1, a: { y: [3, 2, 1], b: undefined, c: null }, "key with \"quotes\"": "v", é: 1, B: 2 },
    { date: new Date(Date.UTC(2026, 10, 22)), nested: { toJSON: () => ({ b: 2, a: 1 }) } },
  ];

  it.each(cases.map((c, i) => [i, c]))("case %i agrees with sorted JSON.stringify", (_, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it("is independent of key order and distinguishes values", () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
    expect(hashOf({ a: "1" })).not.toBe(hashOf({ a: 1 }));
    expect(hashOf(["a,b"])).not.toBe(hashOf(["a", "b"]));
  });
});
