import type { ChatMessage } from "../lm/types.js";
import type { Demo } from "../program/types.js";
import { coerceValue } from "../signature/coerce.js";
import type { Field, FieldType, Signature } from "../signature/types.js";
import { canonicalJson } from "../util/canonical.js";
import { fieldNamed, objective, pluralOf, signatureListing } from "./describe.js";
import { firstJsonObject } from "./find-json.js";
import { responseFormatFor } from "./json-schema.js";
import { marker, sections } from "./markers.js";
import { readOutputs, type Coercer } from "./read-outputs.js";
import { renderInputs } from "./render-value.js";
import type { Adapter, AdapterInput, ParseResult } from "./types.js";

/**
 * Asks for the outputs as one JSON object (the fallback when a chat completion cannot be read).
 * Inputs keep the marker format, which carries long text without escaping; answers are JSON.
 * With structured output the request also carries the outputs' JSON schema, and `json` fields
 * travel as strings holding JSON text, as that schema says.
 */
export const jsonAdapter: Adapter = {
  name: "json",
  render(input: AdapterInput, { structuredOutput }) {
    const { signature } = input;
    const messages: ChatMessage[] = [{ role: "system", content: systemMessage(input, structuredOutput) }];
    for (const demo of input.demos) {
      messages.push({ role: "user", content: renderInputs(signature.inputs, demo) });
      messages.push({ role: "assistant", content: demoAnswer(signature.outputs, demo, structuredOutput) });
    }
    const last = [renderInputs(signature.inputs, input.inputs), respondLine(signature.outputs)];
    messages.push({ role: "user", content: last.filter((p) => p !== "").join("\n\n") });
    return structuredOutput ? { messages, responseFormat: responseFormatFor(signature) } : { messages };
  },
  parse(signature: Signature, completion: string): ParseResult {
    const object = firstJsonObject(completion);
    if (!object) return { ok: false, error: "no JSON object in the completion" };
    const found = new Map<string, unknown>();
    for (const [key, value] of Object.entries(object)) {
      const field = fieldNamed(signature.outputs, key);
      if (field && !found.has(field.name)) found.set(field.name, value);
    }
    return readOutputs(signature.outputs, found, jsonCoercer);
  },
};

function systemMessage({ signature, instruction }: AdapterInput, structured: boolean): string {
  const keys = signature.outputs.map((f) => `- ${JSON.stringify(f.name)}: ${valueNote(f.type, structured)}`);
  const inputsNote = signature.inputs.length > 0 ? ` Inputs arrive under \`${marker("name")}\` markers.` : "";
  return [
    signatureListing(signature),
    `Reply with a single JSON object and nothing else.${inputsNote} The object has exactly these keys, with values of these types:\n${keys.join("\n")}`,
    `Objective:\n${objective(instruction, signature)}`,
  ].join("\n\n");
}

function valueNote(type: FieldType, structured: boolean): string {
  switch (type.kind) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "integer":
      return "an integer";
    case "boolean":
      return "true or false";
    case "enum":
      return `a string, exactly one of: ${type.options.map((o) => JSON.stringify(o)).join(", ")}`;
    case "list":
      return type.item.kind === "json" && structured ? "an array of strings, each holding JSON text" : `an array of ${pluralOf(type.item)}`;
    case "json":
      return structured ? "a string holding JSON text" : "any JSON value";
  }
}


/** One line per key in signature order; values as canonical JSON so the text is deterministic. */
function demoAnswer(fields: Field[], demo: Demo, structured: boolean): string {
  const lines = fields
    .filter((f) => demo[f.name] !== undefined && demo[f.name] !== null)
    .map((f) => `  ${JSON.stringify(f.name)}: ${canonicalJson(wireValue(demo[f.name], f.type, structured))}`);
  return lines.length > 0 ? `{\n${lines.join(",\n")}\n}` : "{}";
}

/** Under structured output a `json` value is sent as the string of its JSON text. */
function wireValue(value: unknown, type: FieldType, structured: boolean): unknown {
  if (!structured) return value;
  if (type.kind === "json") return typeof value === "string" ? value : canonicalJson(value);
  if (type.kind === "list" && Array.isArray(value)) return value.map((v) => wireValue(v, type.item, structured));
  return value;
}

function respondLine(outputs: Field[]): string {
  const keys = outputs.map((f) => JSON.stringify(f.name)).join(", ");
  return `Respond with a JSON object with exactly the keys ${keys}.`;
}

/** A `json` field may legitimately hold a plain string that is not JSON text: keep it. */
const jsonCoercer: Coercer = (field, raw) => {
  const result = coerceValue(field.type, raw);
  if (!result.ok && field.type.kind === "json" && typeof raw === "string") return { ok: true, value: raw };
  return result;
};
