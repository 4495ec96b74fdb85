import { describe, expect, it } from "vitest";
import { containsWords } from "../../src/metrics/contains.js";
import { UserError } from "../../src/util/errors.js";
import { build, PROGRAM_FILE, scoreOf } from "./helpers.js";

describe("contains", () => {
  const spec = { kind: "contains", field: "answer", gold: "city" } as const;

  it("finds the normalized gold inside the prediction", async () => {
    const r = await scoreOf(spec, { city: "PARIS" }, { answer: "The answer is Paris, France." });
    expect(r).toEqual({ score: 1, feedback: "answer: contains PARIS" });
    expect((await scoreOf(spec, { city: "new york" }, { answer: "It's New-York!" })).score).toBe(1);
  });

  it("matches whole words only", () => {
    expect(containsWords("concatenate", "cat")).toBe(false);
    expect(containsWords("a cat sat", "cat")).toBe(true);
    expect(containsWords("anything", "the")).toBe(true);
  });

  it("accepts any of a gold list and says what was missing", async () => {
    expect((await scoreOf(spec, { city: ["Lyon", "Paris"] }, { answer: "paris" })).score).toBe(1);
    const r = await scoreOf(spec, { city: ["Lyon", "Paris"] }, { answer: "Berlin" });
    expect(r).toEqual({ score: 0, feedback: "answer: expected it to contain one of Lyon, Paris, got Berlin" });
  });

  it("reads its gold field", async () => {
    const m = await build(spec);
    expect(m.name).toBe("contains(answer vs city)");
    expect(m.labels).toEqual(["city"]);
  });
});

describe("regex", () => {
  const phone = { kind: "regex", field: "phone", pattern: "^\\d{3}-\\d{4}$", flags: "" } as const;

  it("scores whether the field matches", async () => {
    expect(await scoreOf(phone, {}, { phone: "555-1234" })).toEqual({ score: 1, feedback: "phone: matches /^\\d{3}-\\d{4}$/" });
    expect(await scoreOf(phone, {}, { phone: "5551234" })).toEqual({
      score: 0,
      feedback: "phone: 5551234 does not match /^\\d{3}-\\d{4}$/",
    });
  });

  it("applies flags, and global flags do not carry state between predictions", async () => {
    const m = await build({ kind: "regex", field: "x", pattern: "yes", flags: "gi" });
    for (let i = 0; i < 3; i++) expect((await m.score({ id: "a", inputs: {}, labels: {} }, { x: "YES" }, [], { lm: () => { throw new Error(); } })).score).toBe(1);
  });

  it("reads no gold", async () => {
    const m = await build(phone);
    expect(m.labels).toEqual([]);
    expect(m.name).toBe("regex(phone, /^\\d{3}-\\d{4}$/)");
  });

  it("rejects an invalid pattern when built, naming it and the error", async () => {
    const err = await build({ kind: "regex", field: "x", pattern: "(ab", flags: "" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const message = (err as UserError).message;
    expect(message).toContain(PROGRAM_FILE);
    expect(message).toContain("/(ab/");
    expect(message).toMatch(/Unterminated group/i);
  });

  it("rejects invalid flags", async () => {
    await expect(build({ kind: "regex", field: "x", pattern: "a", flags: "q" })).rejects.toThrow(UserError);
  });
});
