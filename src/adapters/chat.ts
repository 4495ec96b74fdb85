import type { ChatMessage } from "../lm/types.js";
import type { Demo } from "../program/types.js";
import { coerceValue } from "../signature/coerce.js";
import type { Field, FieldType, Signature } from "../signature/types.js";
import { fieldNamed, objective, pluralOf, signatureListing } from "./describe.js";
import { COMPLETED, marker, readSections, sections } from "./markers.js";
import { readOutputs, type Coercer } from "./read-outputs.js";
import { readNumberedList, renderInputs, renderOutputValue } from "./render-value.js";
import type { Adapter, AdapterInput, ParseResult } from "./types.js";

/**
 * DSPy's ChatAdapter layout: fields framed by `[[ ## name ## ]]` markers, a system message that
 * describes the fields, the structure and the objective; demos as user/assistant turn pairs; the
 * inputs in the last user turn.
 */
export const chatAdapter: Adapter = {
  name: "chat",
  render(input: AdapterInput) {
    const { signature } = input;
    const last = [renderInputs(signature.inputs, input.inputs), respondLine(signature.outputs)];
    return { messages: [...prefixOf(input), { role: "user", content: last.filter((p) => p !== "").join("\n\n") }] };
  },
  parse(signature: Signature, completion: string): ParseResult {
    const found = new Map<string, string>();
    for (const [name, value] of readSections(completion)) {
      const field = fieldNamed(signature.outputs, name);
      if (field && !found.has(field.name)) found.set(field.name, value);
    }
    return readOutputs(signature.outputs, found, chatCoercer);
  },
};

/**
 * The system message and demo turns: the same for every example a candidate runs, so rendered once
 * per (signature, demos, instruction). Messages are treated as immutable by everything downstream.
 */
const prefixes = new WeakMap<Signature, WeakMap<readonly Demo[], Map<string, readonly ChatMessage[]>>>();

function prefixOf(input: AdapterInput): readonly ChatMessage[] {
  let byDemos = prefixes.get(input.signature);
  if (!byDemos) prefixes.set(input.signature, (byDemos = new WeakMap()));
  let byInstruction = byDemos.get(input.demos);
  if (!byInstruction) byDemos.set(input.demos, (byInstruction = new Map()));
  let prefix = byInstruction.get(input.instruction);
  if (!prefix) {
    const messages: ChatMessage[] = [{ role: "system", content: systemMessage(input) }];
    for (const demo of input.demos) {
      messages.push({ role: "user", content: renderInputs(input.signature.inputs, demo) });
      messages.push({ role: "assistant", content: demoAnswer(input.signature.outputs, demo) });
    }
    prefix = messages;
    byInstruction.set(input.instruction, prefix);
  }
  return prefix;
}

function systemMessage({ signature, instruction }: AdapterInput): string {
  const structure = [
    ...signature.inputs.map((f) => ({ name: f.name, value: `{${f.name}}` })),
    ...signature.outputs.map((f) => ({ name: f.name, value: outputPlaceholder(f) })),
    { name: COMPLETED, value: "" },
  ];
  return [
    signatureListing(signature),
    "Lay out every message in this structure, each field's value on the lines after its marker:",
    sections(structure),
    `Objective:\n${objective(instruction, signature)}`,
  ].join("\n\n");
}

function outputPlaceholder(field: Field): string {
  const note = outputNote(field.type);
  return note ? `{${field.name}} (${note})` : `{${field.name}}`;
}

/** What an output value must look like, for the structure in the system message. */
export function outputNote(type: FieldType): string | undefined {
  switch (type.kind) {
    case "string":
      return undefined;
    case "number":
      return "a number";
    case "integer":
      return "an integer";
    case "boolean":
      return "true or false";
    case "enum":
      return `must be exactly one of: ${type.options.join("; ")}`;
    case "list":
      return `as JSON: an array of ${pluralOf(type.item)}`;
    case "json":
      return "as JSON";
  }
}


/** A demo's outputs in marker format; outputs it lacks (e.g. `reasoning`) are left out. */
function demoAnswer(fields: Field[], demo: Demo): string {
  const present = fields.filter((f) => demo[f.name] !== undefined && demo[f.name] !== null);
  return sections([
    ...present.map((f) => ({ name: f.name, value: renderOutputValue(demo[f.name]) })),
    { name: COMPLETED, value: "" },
  ]);
}

const respondLines = new WeakMap<Field[], string>();

/** The closing instruction of the last user turn (the same for every call of a signature). */
function respondLine(outputs: Field[]): string {
  let line = respondLines.get(outputs);
  if (line === undefined) {
    line = buildRespondLine(outputs);
    respondLines.set(outputs, line);
  }
  return line;
}

function buildRespondLine(outputs: Field[]): string {
  const markers = outputs.map((f) => `\`${marker(f.name)}\``);
  const end = `and then ending with the marker for \`${marker(COMPLETED)}\`.`;
  if (markers.length === 0) return `Respond by ending with the marker for \`${marker(COMPLETED)}\`.`;
  if (markers.length === 1) return `Respond with the corresponding output field, starting with the field ${markers[0]}, ${end}`;
  const [first, ...rest] = markers;
  return `Respond with the corresponding output fields, starting with the field ${first}, then ${rest.join(", then ")}, ${end}`;
}

/** Lists may come back in the numbered `[1] «…»` form that list inputs are shown in. */
const chatCoercer: Coercer = (field, raw) => {
  if (field.type.kind === "list" && typeof raw === "string") {
    const items = readNumberedList(raw);
    if (items) return coerceValue(field.type, items);
  }
  return coerceValue(field.type, raw);
};
