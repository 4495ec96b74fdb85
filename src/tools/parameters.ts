import { z } from "zod";
import { clipText } from "./render.js";

/**
 * A tool's parameters, from a zod schema (a module tool's) or a JSON Schema (a module tool's or an
 * MCP server's): the JSON Schema offered to the model, and the check its arguments go through
 * before the tool runs. A JSON Schema is checked with zod 4's `z.fromJSONSchema`, so both kinds are
 * validated by the same code.
 */
export interface ToolParameters {
  /** A JSON Schema of type object. */
  jsonSchema: Record<string, unknown>;
  /** The arguments as the tool receives them (zod defaults applied), or what is wrong with them. */
  check(args: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; error: string };
}

/** A zod schema (from whichever copy of zod the user's module imports), by its Standard Schema marker. */
function isZod(value: unknown): value is z.ZodType {
  if (value === null || typeof value !== "object") return false;
  const standard = (value as { "~standard"?: { vendor?: unknown } })["~standard"];
  return standard?.vendor === "zod" && typeof (value as { safeParse?: unknown }).safeParse === "function";
}

/** Zod 4 schemas have a public `def`; zod 3's is `_def` only. */
function isZod4(value: z.ZodType): boolean {
  const def = (value as { def?: unknown }).def;
  return def !== null && typeof def === "object";
}

/** Throws an Error saying what is wrong when `value` is neither a zod object schema nor a JSON Schema of type object. */
export function parametersOf(value: unknown): ToolParameters {
  if (isZod(value) && isZod4(value)) {
    let jsonSchema: Record<string, unknown>;
    try {
      jsonSchema = z.toJSONSchema(value, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`the zod schema cannot be written as a JSON Schema for the model: ${(err as Error).message}`);
    }
    jsonSchema = forModel(jsonSchema);
    if (jsonSchema.type !== "object") throw new Error("expected the parameters as an object schema (z.object({ … })): a tool takes named arguments");
    return { jsonSchema, check: checker(value) };
  }
  if (isZod(value)) throw new Error("a zod 3 schema: use zod 4 (`import { z } from \"zod\"` with zod ^4) or a JSON Schema");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error("expected the parameters as a zod object schema or a JSON Schema of type object");
  }
  const jsonSchema = value as Record<string, unknown>;
  const shapeProblem = jsonSchemaProblem(jsonSchema);
  if (shapeProblem) throw new Error(`invalid JSON Schema: ${shapeProblem}`);
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(jsonSchema as JSONSchemaInput);
  } catch (err) {
    throw new Error(`invalid JSON Schema: ${(err as Error).message}`);
  }
  return { jsonSchema: forModel(jsonSchema), check: checker(schema) };
}

type JSONSchemaInput = Parameters<typeof z.fromJSONSchema>[0];

/** What a JSON Schema for a tool's arguments must have beyond what `z.fromJSONSchema` checks. */
function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  if (schema.type !== "object") return `expected \`type: object\` (a tool takes named arguments), got ${schema.type === undefined ? "no type" : JSON.stringify(schema.type)}`;
  const { properties, required } = schema;
  if (properties !== undefined && (properties === null || typeof properties !== "object" || Array.isArray(properties))) return "`properties` must be a mapping of argument names to schemas";
  if (properties) {
    for (const [name, sub] of Object.entries(properties)) {
      if (sub === null || typeof sub !== "object" || Array.isArray(sub)) {
        if (typeof sub !== "boolean") return `\`properties.${name}\` must be a schema`;
      }
    }
  }
  if (required !== undefined && (!Array.isArray(required) || required.some((r) => typeof r !== "string"))) return "`required` must be a list of argument names";
  return undefined;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The schema as offered to the model: without `$schema` (providers want the object schema alone). */
function forModel(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, ...rest } = schema;
  return rest;
}

function checker(schema: z.ZodType): ToolParameters["check"] {
  return (args) => {
    if (args === null || typeof args !== "object" || Array.isArray(args)) return { ok: false, error: `expected the arguments as a JSON object, got ${clipText(JSON.stringify(args) ?? String(args), 60)}` };
    const r = schema.safeParse(args);
    if (r.success) return { ok: true, value: r.data as Record<string, unknown> };
    return { ok: false, error: r.error.issues.map((i) => issueText(i, args)).join("; ") };
  };
}

function issueText(issue: z.core.$ZodIssue, args: object): string {
  const where = issue.path.length > 0 ? `\`${issue.path.map(String).join(".")}\`: ` : "";
  if (issue.code === "unrecognized_keys") return `${where}unknown argument${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
  if (issue.code === "invalid_type" && valueAt(args, issue.path) === undefined) return `${where}missing (expected ${issue.expected})`;
  return `${where}${issue.message.replace(/^Invalid input: /, "")}`;
}
