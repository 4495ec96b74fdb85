import { describe, expect, it } from "vitest";
import { firstJsonObject } from "../../src/adapters/find-json.js";
import { jsonAdapter } from "../../src/adapters/json.js";
import { jsonSchemaForOutputs } from "../../src/adapters/json-schema.js";
import { mixedSignature, triageDemos, triageSignature } from "./fixtures.js";

describe("json adapter rendering", () => {
  it("asks for one JSON object, demos answered as JSON, no schema without structured output", () => {
    const { messages, responseFormat } = jsonAdapter.render(
      { signature: triageSignature(), instruction: "Route it.", demos: triageDemos.slice(0, 1), inputs: { message: "Refund?" } },
      { structuredOutput: false },
    );
    expect(responseFormat).toBeUndefined();
    expect(messages).toEqual([
      {
        role: "system",
        content: [
          "You will be given these input fields:",
          "1. `message` (string): The customer's message",
          "",
          "You must produce these output fields:",
          "1. `team` (enum(billing, technical, account))",
          "2. `urgency` (enum(low, normal, high))",
          "",
          "Reply with a single JSON object and nothing else. Inputs arrive under `[[ ## name ## ]]` markers. " +
            "The object has exactly these keys, with values of these types:",
          '- "team": a string, exactly one of: "billing", "technical", "account"',
          '- "urgency": a string, exactly one of: "low", "normal", "high"',
          "",
          "Objective:",
          "Route it.",
        ].join("\n"),
      },
      { role: "user", content: "[[ ## message ## ]]\nI was charged twice this month" },
      { role: "assistant", content: '{\n  "team": "billing",\n  "urgency": "high"\n}' },
      {
        role: "user",
        content: '[[ ## message ## ]]\nRefund?\n\nRespond with a JSON object with exactly the keys "team", "urgency".',
      },
    ]);
  });

  it("adds the schema under structured output and sends json values as JSON text", () => {
    const { messages, responseFormat } = jsonAdapter.render(
      {
        signature: mixedSignature(),
        instruction: "",
        demos: [{ question: "q", tags: ["a"], score: 1, count: 1, ok: false, data: { k: "v" } }],
        inputs: { question: "Q", context: [] },
      },
      { structuredOutput: true },
    );
    expect(responseFormat).toEqual({ type: "json_schema", name: "dspx_outputs", schema: jsonSchemaForOutputs(mixedSignature()) });
    expect(messages[0]!.content).toContain('- "data": a string holding JSON text');
    expect(messages[2]!.content).toBe(
      '{\n  "tags": ["a"],\n  "score": 1,\n  "count": 1,\n  "ok": false,\n  "data": "{\\"k\\":\\"v\\"}"\n}',
    );
  });
});

describe("json adapter parsing", () => {
  it("reads an object inside code fences with prose around it", () => {
    const text = 'Here you go:\n```json\n{"team": "Billing", "urgency": "high"}\n```\nLet me know {if} you need more.';
    expect(jsonAdapter.parse(triageSignature(), text)).toEqual({ ok: true, values: { team: "billing", urgency: "high" } });
  });

  it("takes the first balanced object that parses, braces inside strings included", () => {
    expect(firstJsonObject('noise {not json} then {"a": "}{", "b": {"c": 1}} {"a": 2}')).toEqual({ a: "}{", b: { c: 1 } });
    expect(firstJsonObject("[1, 2]")).toBeUndefined();
  });

  it("matches keys in any case, ignores extra keys, names missing ones", () => {
    expect(jsonAdapter.parse(triageSignature(), '{"Team": "account", "note": "x"}')).toEqual({
      ok: false,
      error: "missing field `urgency`",
    });
  });

  it("coerces values and reports bad ones", () => {
    expect(jsonAdapter.parse(triageSignature(), '{"team": "sales", "urgency": "low"}')).toEqual({
      ok: false,
      error: 'field `team`: expected one of: billing, technical, account, got "sales"',
    });
    const text = '{"tags": "[\\"x\\"]", "score": "42", "count": 3, "ok": "True", "data": "{\\"k\\": [1]}"}';
    expect(jsonAdapter.parse(mixedSignature(), text)).toEqual({
      ok: true,
      values: { tags: ["x"], score: 42, count: 3, ok: true, data: { k: [1] } },
    });
  });

  it("keeps a json field's plain string that is not JSON text", () => {
    const text = '{"tags": [], "score": 1, "count": 1, "ok": true, "data": "just words"}';
    expect(jsonAdapter.parse(mixedSignature(), text)).toMatchObject({ ok: true, values: { data: "just words" } });
  });

  it("fails clearly without an object", () => {
    expect(jsonAdapter.parse(triageSignature(), "I cannot answer that.")).toEqual({
      ok: false,
      error: "no JSON object in the completion",
    });
  });
});

describe("json schema for outputs", () => {
  it("has the shape OpenAI strict mode accepts", () => {
    const sig = mixedSignature();
    sig.outputs[4]!.desc = "Extracted facts";
    sig.outputs.push({ name: "label", type: { kind: "enum", options: ["yes", "no"] }, desc: "The verdict", typed: true });
    sig.outputs.push({ name: "grid", type: { kind: "list", item: { kind: "list", item: { kind: "integer" } } }, typed: true });
    expect(jsonSchemaForOutputs(sig)).toEqual({
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string" } },
        score: { type: "number" },
        count: { type: "integer" },
        ok: { type: "boolean" },
        data: { type: "string", description: "Extracted facts (JSON text)" },
        label: { type: "string", enum: ["yes", "no"], description: "The verdict" },
        grid: { type: "array", items: { type: "array", items: { type: "integer" } } },
      },
      required: ["tags", "score", "count", "ok", "data", "label", "grid"],
      additionalProperties: false,
    });
  });
});
