import type { ResponseFormat } from "../lm/types.js";
import type { FieldType, Signature } from "../signature/types.js";

/**
 * JSON schemas for a signature's outputs that OpenAI's strict structured-output mode accepts:
 * every property required, no additional properties, enums as string enums, lists as arrays.
 * Strict mode cannot express "any JSON value", so a `json` field is a string holding JSON text,
 * which coercion then parses.
 */

/** The name structured-output requests carry (providers require `^[a-zA-Z0-9_-]{1,64}$`). */
export const RESPONSE_FORMAT_NAME = "dspx_outputs";

export function jsonSchemaForOutputs(signature: Signature): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of signature.outputs) {
    const schema = jsonSchemaForType(field.type);
    properties[field.name] = field.desc ? withDescription(schema, field.desc) : schema;
  }
  return {
    type: "object",
    properties,
    required: signature.outputs.map((f) => f.name),
    additionalProperties: false,
  };
}

export function jsonSchemaForType(type: FieldType): Record<string, unknown> {
  switch (type.kind) {
    case "string":
    case "number":
    case "integer":
    case "boolean":
      return { type: type.kind };
    case "enum":
      return { type: "string", enum: [...type.options] };
    case "list":
      return { type: "array", items: jsonSchemaForType(type.item) };
    case "json":
      return { type: "string", description: "JSON text" };
  }
}

function withDescription(schema: Record<string, unknown>, desc: string): Record<string, unknown> {
  const note = schema["description"];
  return { ...schema, description: typeof note === "string" ? `${desc} (${note})` : desc };
}

export function responseFormatFor(signature: Signature): ResponseFormat {
  return { type: "json_schema", name: RESPONSE_FORMAT_NAME, schema: jsonSchemaForOutputs(signature) };
}
