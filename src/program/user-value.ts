import { typeToString } from "../signature/format.js";
import type { FieldType } from "../signature/types.js";

/**
 * What is wrong with a value the user gave for a field of `type` (a dataset row's input, `run
 * --input`), or undefined when it has the type as it is. Unlike the coercion of an LM's answers
 * nothing is converted: `5` is no string, `"3"` no integer, `"a, b"` no list. The program would see
 * something other than what the file says, so the user is told instead.
 */
export function userValueProblem(type: FieldType, value: unknown): string | undefined {
  const wrong = mismatch(type, value, "");
  return wrong === undefined ? undefined : `should be ${typeToString(type)}: ${wrong}`;
}

function mismatch(type: FieldType, value: unknown, where: string): string | undefined {
  const got = () => `${where}got ${describe(value)}`;
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? undefined : got();
    case "number":
      return typeof value === "number" ? undefined : got();
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? undefined : got();
    case "boolean":
      return typeof value === "boolean" ? undefined : got();
    case "enum": {
      if (typeof value === "string" && type.options.includes(value)) return undefined;
      const close = typeof value === "string" ? type.options.find((o) => o.toLowerCase() === value.trim().toLowerCase()) : undefined;
      return `${got()}${close !== undefined ? ` (did you mean ${JSON.stringify(close)}?)` : ""}`;
    }
    case "list": {
      if (!Array.isArray(value)) return got();
      for (let i = 0; i < value.length; i++) {
        const inner = mismatch(type.item, value[i], `item ${i + 1}: `);
        if (inner !== undefined) return `${where}${inner}`;
      }
      return undefined;
    }
    case "json":
      return value === undefined ? got() : undefined;
  }
}

/** A value as the message quotes it: its JSON, cut short when long. */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
