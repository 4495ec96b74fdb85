import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parametersOf } from "../../src/tools/parameters.js";

describe("tool parameters", () => {
  it("take a zod object schema: offered as JSON Schema, arguments checked with defaults applied", () => {
    const p = parametersOf(z.object({ order_id: z.string().describe("the order id"), limit: z.number().int().default(3) }));
    expect(p.jsonSchema).toMatchObject({ type: "object", properties: { order_id: { type: "string", description: "the order id" } }, required: ["order_id"] });
    expect(p.jsonSchema.$schema).toBeUndefined();
    expect(p.check({ order_id: "A-1" })).toEqual({ ok: true, value: { order_id: "A-1", limit: 3 } });
    expect(p.check({ order_id: 7 })).toEqual({ ok: false, error: "`order_id`: expected string, received number" });
    expect(p.check({})).toEqual({ ok: false, error: "`order_id`: missing (expected string)" });
    expect(p.check("A-1")).toEqual({ ok: false, error: 'expected the arguments as a JSON object, got "A-1"' });
  });

  it("take a JSON Schema, checked by z.fromJSONSchema (types, required, enums, bounds, extra keys)", () => {
    const p = parametersOf({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: { topic: { enum: ["returns", "shipping"] }, n: { type: "integer", minimum: 1 } },
      required: ["topic"],
      additionalProperties: false,
    });
    expect(p.jsonSchema.$schema).toBeUndefined();
    expect(p.check({ topic: "returns", n: 2 })).toEqual({ ok: true, value: { topic: "returns", n: 2 } });
    const bad = p.check({ topic: "weather", n: 0, extra: true });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain("`topic`");
      expect(bad.error).toContain("`n`");
      expect(bad.error).toContain("unknown argument `extra`");
    }
    expect(p.check({ n: 1.5 }).ok).toBe(false);
  });

  it.each([
    [{ type: "string" }, 'invalid JSON Schema: expected `type: object` (a tool takes named arguments), got "string"'],
    [{ properties: {} }, "invalid JSON Schema: expected `type: object` (a tool takes named arguments), got no type"],
    [{ type: "object", properties: 5 }, "invalid JSON Schema: `properties` must be a mapping of argument names to schemas"],
    [{ type: "object", required: "a" }, "invalid JSON Schema: `required` must be a list of argument names"],
    [{ type: "object", properties: { a: { type: "strin" } } }, "invalid JSON Schema: Unsupported type: strin"],
    ["text", "expected the parameters as a zod object schema or a JSON Schema of type object"],
    [undefined, "expected the parameters as a zod object schema or a JSON Schema of type object"],
  ])("refuse %j, saying why", (schema, message) => {
    expect(() => parametersOf(schema)).toThrow(message);
  });

  it("refuse a zod schema that is not an object", () => {
    expect(() => parametersOf(z.string())).toThrow("expected the parameters as an object schema (z.object({ … }))");
  });
});
