import { z } from "zod";

type JsonSchema = z.core.JSONSchema.BaseSchema;

/** One setting as `dspx optimizers` and the README list it: all of it read from the zod schema. */
export interface SettingRow {
  name: string;
  /** What a value must be, in words: "whole number ≥ 1", "one of: a, b". */
  type: string;
  /** Absent when the setting has none (it is then left to the command line or unset). */
  default?: unknown;
  description: string;
}

/** A mapping schema as JSON Schema (the input side: what a user writes), through zod's public API. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/** The rows of an object schema, in its key order. */
export function settingRows(schema: z.ZodObject): SettingRow[] {
  const properties = jsonSchemaOf(schema).properties ?? {};
  return Object.entries(properties).map(([name, field]) => {
    const json = typeof field === "boolean" ? {} : field;
    return {
      name,
      type: typeText(json),
      ...(json.default !== undefined ? { default: json.default } : {}),
      description: json.description ?? "",
    };
  });
}

/**
 * The JSON Schema at a path of keys (and list indices) inside an object's, or undefined past its
 * end: a key of an object's properties or of a mapping's values, an index of a list's items, in
 * the schema or in one of the alternatives it allows.
 */
export function jsonSchemaAt(root: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let cur: JsonSchema | undefined = root;
  for (const key of path) {
    const options: JsonSchema[] = cur ? [cur, ...(cur.anyOf ?? []).filter((b): b is JsonSchema => typeof b === "object")] : [];
    const found = options.map((o) => childOf(o, key)).find((c) => c !== undefined);
    cur = found;
  }
  return cur;
}

function childOf(schema: JsonSchema, key: PropertyKey): JsonSchema | undefined {
  const candidates = [schema.properties?.[String(key)], typeof key === "number" || /^\d+$/.test(String(key)) ? schema.items : undefined, schema.additionalProperties];
  return candidates.find((c): c is JsonSchema => c !== undefined && typeof c === "object" && !Array.isArray(c));
}

/** The names a value may be, when its schema (or one of its alternatives) is a list of names. */
export function enumOf(json: JsonSchema): string[] | undefined {
  const named = json.enum ?? json.anyOf?.find((b): b is JsonSchema => typeof b === "object" && b.enum !== undefined)?.enum;
  return named?.map(String);
}

const LARGEST = Number.MAX_SAFE_INTEGER;

/**
 * A value's kind in words, without article: a `title` given with `.meta()` wins (a duration is a
 * string or a number, which says little); otherwise it is read from the type and its bounds.
 */
export function typeText(json: JsonSchema): string {
  if (json.title) return json.title;
  if (json.enum) return `one of: ${json.enum.join(", ")}`;
  if (json.anyOf) return json.anyOf.map(typeText).join(" or ");
  switch (json.type) {
    case "integer":
      return `whole number${bounds(json)}`;
    case "number":
      return `number${bounds(json)}`;
    case "string":
      return "string";
    case "boolean":
      return "true or false";
    case "object":
      return `mapping (${Object.keys(json.properties ?? {}).join(", ")})`;
    default:
      return "value";
  }
}

function bounds(json: JsonSchema): string {
  const min = json.minimum;
  const max = json.maximum !== undefined && json.maximum < LARGEST ? json.maximum : undefined;
  const above = typeof json.exclusiveMinimum === "number" ? json.exclusiveMinimum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (above !== undefined) return ` > ${above}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return "";
}

/** "a whole number ≥ 1", "one of: …": the type text as the object of "expected". */
export function expectedText(json: JsonSchema): string {
  const text = typeText(json);
  return /^(one of|true or false)/.test(text) ? text : `a ${text}`;
}
