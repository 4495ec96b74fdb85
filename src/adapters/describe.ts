import { typeToString } from "../signature/format.js";
import type { Field, FieldType, Signature } from "../signature/types.js";

/** Wording shared by the chat and json adapters' system messages. */

/** `1. `name` (type): description`, one line per field. */
export function fieldListing(fields: Field[]): string {
  return fields
    .map((f, i) => {
      const head = `${i + 1}. \`${f.name}\` (${typeToString(f.type)})`;
      return f.desc ? `${head}: ${f.desc}` : head;
    })
    .join("\n");
}

/** Both sides of the signature, as the opening of a system message. */
export function signatureListing(signature: Signature): string {
  const parts: string[] = [];
  if (signature.inputs.length > 0) parts.push(`You will be given these input fields:\n${fieldListing(signature.inputs)}`);
  parts.push(`You must produce these output fields:\n${fieldListing(signature.outputs)}`);
  return parts.join("\n\n");
}

/** The instruction, or when there is none, a sentence derived from the signature. */
export function objective(instruction: string, signature: Signature): string {
  const text = instruction.trim();
  if (text !== "") return text;
  const names = (fields: Field[]) => fields.map((f) => `\`${f.name}\``).join(", ");
  const produce = `produce the fields ${names(signature.outputs)}.`;
  return signature.inputs.length > 0 ? `Given the fields ${names(signature.inputs)}, ${produce}` : `P${produce.slice(1)}`;
}

/** What the items of a list are, in the plural: "strings", "integers", … */
export function pluralOf(type: FieldType): string {
  switch (type.kind) {
    case "string":
      return "strings";
    case "number":
      return "numbers";
    case "integer":
      return "integers";
    case "boolean":
      return "booleans (true or false)";
    case "enum":
      return `strings, each exactly one of: ${type.options.join("; ")}`;
    case "list":
      return `arrays of ${pluralOf(type.item)}`;
    case "json":
      return "JSON values";
  }
}

/** An output field matched by name regardless of letter case. */
export function fieldNamed(fields: Field[], name: string): Field | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name === name) ?? fields.find((f) => f.name.toLowerCase() === lower);
}
