import type { Field, FieldType } from "../signature/types.js";
import { canonicalJson } from "../util/canonical.js";
import { sections } from "./markers.js";

/**
 * Field values as prompt text. Rendering is deterministic — prompts are part of cache keys — so
 * objects are written as canonical JSON (keys sorted), whatever order they were built in.
 */

/**
 * An input value: strings as is, numbers and booleans as text, a list of strings (e.g. retrieved
 * passages) as numbered lines `[1] «text»`, anything else as JSON. Missing values are empty.
 */
export function renderInputValue(value: unknown, type: FieldType): string {
  if (isStringList(value) && value.length > 0 && type.kind !== "json") return renderNumberedList(value);
  return renderScalarOrJson(value);
}

/** Input fields in marker format, in signature order; a field the record lacks is rendered empty. */
export function renderInputs(fields: Field[], record: Record<string, unknown>): string {
  return sections(fields.map((f) => ({ name: f.name, value: renderInputValue(record[f.name], f.type) })));
}

/**
 * An output value as a model should write it: like an input, except that lists are always JSON —
 * the format the output fields ask for and the parser reads back most reliably.
 */
export function renderOutputValue(value: unknown): string {
  return renderScalarOrJson(value);
}

function renderScalarOrJson(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return canonicalJson(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

export function renderNumberedList(items: string[]): string {
  return items.map((item, i) => `[${i + 1}] «${item}»`).join("\n");
}

const NUMBERED_ITEM_RE = /\[\d+\]\s*«([\s\S]*?)»/g;

/**
 * The items of a list written in the numbered form, when the whole text is in that form (a model
 * may imitate how list inputs look); undefined otherwise.
 */
export function readNumberedList(text: string): string[] | undefined {
  const items = [...text.matchAll(NUMBERED_ITEM_RE)].map((m) => m[1]!);
  if (items.length === 0) return undefined;
  const rest = text.replace(NUMBERED_ITEM_RE, "").trim();
  return rest === "" ? items : undefined;
}
