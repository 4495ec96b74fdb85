import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { knownKeysAt } from "../../src/program/zod-problems.js";

const inner = z.strictObject({ model: z.string(), rpm: z.number().optional() });

describe("knownKeysAt: the keys a schema accepts at a path (for did-you-mean)", () => {
  it("reads an object's keys, through optional, nullable and default", () => {
    expect(knownKeysAt(inner, [])).toEqual(["model", "rpm"]);
    expect(knownKeysAt(inner.optional(), [])).toEqual(["model", "rpm"]);
    expect(knownKeysAt(inner.nullable().default({ model: "sim" }), [])).toEqual(["model", "rpm"]);
  });

  it("follows a path through objects, records and lists", () => {
    const schema = z.object({ steps: z.record(z.string(), z.object({ demos: z.array(inner).optional() })) });
    expect(knownKeysAt(schema, ["steps", "solve"])).toEqual(["demos"]);
    expect(knownKeysAt(schema, ["steps", "solve", "demos", 0])).toEqual(["model", "rpm"]);
    expect(knownKeysAt(schema, ["steps", "solve", "nothing"])).toEqual([]);
  });

  it("reads the schema a preprocess feeds, the input of a transform, and a union's object", () => {
    expect(knownKeysAt(z.preprocess((v) => (typeof v === "string" ? { model: v } : v), inner), [])).toEqual(["model", "rpm"]);
    expect(knownKeysAt(inner.transform((v) => v.model), [])).toEqual(["model", "rpm"]);
    expect(knownKeysAt(z.union([z.string(), inner]), [])).toEqual(["model", "rpm"]);
  });

  it("knows no keys of what is not an object", () => {
    expect(knownKeysAt(z.string(), [])).toEqual([]);
    expect(knownKeysAt(z.union([z.string(), z.number()]), [])).toEqual([]);
    expect(knownKeysAt(inner, ["model", "x"])).toEqual([]);
  });
});

describe("zod's public API only", () => {
  it("no source file reaches into zod's internals (`_zod`)", () => {
    const files = (readdirSync("src", { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((f) => readFileSync(path.join("src", f), "utf8").includes("_zod"));
    expect(offenders).toEqual([]);
  });
});
