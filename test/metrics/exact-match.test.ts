import { describe, expect, it } from "vitest";
import { matchKey } from "../../src/metrics/exact-match.js";
import { build, example, NO_LM, scoreOf } from "./helpers.js";

const TEAM = { kind: "exact_match", field: "team", gold: "team" } as const;

describe("exact_match", () => {
  it("ignores case, spacing, punctuation and articles", async () => {
    expect((await scoreOf(TEAM, { team: "billing team" }, { team: "  The   BILLING team. " })).score).toBe(1);
    expect((await scoreOf(TEAM, { team: "Billing" }, { team: "billing" })).score).toBe(1);
  });

  it("says what was expected and what came out", async () => {
    const r = await scoreOf(TEAM, { team: "billing" }, { team: "technical" });
    expect(r).toEqual({ score: 0, feedback: "team: expected billing, got technical" });
  });

  it("confirms a correct answer briefly", async () => {
    const r = await scoreOf(TEAM, { team: "billing" }, { team: "Billing" });
    expect(r).toEqual({ score: 1, feedback: "team: correct (Billing)" });
  });

  it("treats a gold list as alternatives", async () => {
    expect((await scoreOf(TEAM, { team: ["billing", "account"] }, { team: "Account" })).score).toBe(1);
    const miss = await scoreOf(TEAM, { team: ["billing", "account"] }, { team: "shipping" });
    expect(miss).toEqual({ score: 0, feedback: "team: expected one of billing, account, got shipping" });
  });

  it("compares a list prediction with a list gold as a whole", async () => {
    const spec = { kind: "exact_match", field: "tags", gold: "tags" } as const;
    expect((await scoreOf(spec, { tags: ["Red", "blue"] }, { tags: ["red", "Blue."] })).score).toBe(1);
    expect((await scoreOf(spec, { tags: ["red", "blue"] }, { tags: ["blue", "red"] })).score).toBe(0);
  });

  it("compares numbers, booleans and objects", async () => {
    const n = { kind: "exact_match", field: "n", gold: "n" } as const;
    expect((await scoreOf(n, { n: 42 }, { n: "42" })).score).toBe(1);
    expect((await scoreOf(n, { n: 42 }, { n: 42.5 })).score).toBe(0);
    expect((await scoreOf(n, { n: true }, { n: "True" })).score).toBe(1);
    expect((await scoreOf(n, { n: { b: 1, a: "The Cat" } }, { n: { a: "cat", b: 1 } })).score).toBe(1);
    expect((await scoreOf(n, { n: { a: "cat", b: 1 } }, { n: { a: "cat", b: 2 } })).score).toBe(0);
    expect(matchKey({ z: [" The Dog "], a: null })).toBe('{"a":null,"z":["dog"]}');
  });

  it("reports a missing output as nothing", async () => {
    const r = await scoreOf(TEAM, { team: "billing" }, {});
    expect(r).toEqual({ score: 0, feedback: "team: expected billing, got nothing" });
  });

  it("reads the gold from the inputs when the labels lack it", async () => {
    const metric = await build(TEAM);
    const r = await metric.score(example({}, { team: "billing" }), { team: "billing" }, [], NO_LM);
    expect(r.score).toBe(1);
  });

  it("fails one example that has no gold value", async () => {
    const metric = await build(TEAM);
    await expect(metric.score(example({ other: 1 }, {}, "row-7"), { team: "x" }, [], NO_LM)).rejects.toThrow(
      "example row-7 has no value for `team`",
    );
  });

  it("names itself and its gold field", async () => {
    const same = await build(TEAM);
    expect(same.name).toBe("exact_match(team)");
    expect(same.labels).toEqual(["team"]);
    const other = await build({ kind: "exact_match", field: "team", gold: "label" });
    expect(other.name).toBe("exact_match(team vs label)");
    expect(other.labels).toEqual(["label"]);
  });

  it("keeps feedback short for long values", async () => {
    const r = await scoreOf(TEAM, { team: "billing" }, { team: "word ".repeat(100) });
    expect(r.feedback!.length).toBeLessThan(120);
    expect(r.feedback).toMatch(/…$/);
  });
});
