import type { FieldType, Signature } from "./types.js";

/** The type as the user writes it: `enum(a, b)`, `list[string]`. */
export function typeToString(type: FieldType): string {
  switch (type.kind) {
    case "enum":
      return `enum(${type.options.map(quoteOptionIfNeeded).join(", ")})`;
    case "list":
      return `list[${typeToString(type.item)}]`;
    default:
      return type.kind;
  }
}

function quoteOptionIfNeeded(option: string): string {
  return /^[\p{L}\p{N}_][\p{L}\p{N}_ .\/-]*$/u.test(option) && option.trim() === option ? option : JSON.stringify(option);
}

/** The signature in its string form, e.g. `message -> team: enum(a, b), urgency: enum(low, high)`. */
export function signatureToString(sig: Signature): string {
  const side = (fields: Signature["inputs"]) =>
    fields.map((f) => (f.typed ? `${f.name}: ${typeToString(f.type)}` : f.name)).join(", ");
  return `${side(sig.inputs)} -> ${side(sig.outputs)}`;
}

export function typesEqual(a: FieldType, b: FieldType): boolean {
  return typeToString(a) === typeToString(b);
}

/**
 * Whether a value produced as `from` can be fed where `to` is expected. Scalars render as text, so
 * they feed `string`; an enum feeds a wider enum; integer feeds number; anything feeds json.
 */
export function isAssignable(from: FieldType, to: FieldType): boolean {
  if (to.kind === "json") return true;
  switch (to.kind) {
    case "string":
      return from.kind !== "list" && from.kind !== "json";
    case "number":
      return from.kind === "number" || from.kind === "integer";
    case "integer":
      return from.kind === "integer";
    case "boolean":
      return from.kind === "boolean";
    case "enum": {
      if (from.kind !== "enum") return false;
      const allowed = new Set(to.options.map((o) => o.toLowerCase()));
      return from.options.every((o) => allowed.has(o.toLowerCase()));
    }
    case "list":
      return from.kind === "list" && isAssignable(from.item, to.item);
  }
}
