import type { Signature } from "../../signature/types.js";

/**
 * sim's completion text, in the format of the adapter that rendered the prompt:
 * chat → `[[ ## field ## ]]` sections in output order, then `[[ ## completed ## ]]`;
 * json → one JSON object with the output fields in order.
 */
export function formatCompletion(signature: Signature, values: Record<string, unknown>, adapter: "chat" | "json"): string {
  if (adapter === "json") {
    const obj: Record<string, unknown> = {};
    for (const field of signature.outputs) obj[field.name] = values[field.name] ?? null;
    return JSON.stringify(obj);
  }
  let text = "";
  for (const field of signature.outputs) text += `[[ ## ${field.name} ## ]]\n${chatValue(values[field.name])}\n\n`;
  return `${text}[[ ## completed ## ]]`;
}

/** Strings as they are, numbers and booleans via String, lists and objects as JSON. */
function chatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
