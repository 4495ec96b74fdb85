import { z } from "zod";
import { readStoredJson } from "../../store/stored-json.js";

const inputsSchema = z.record(z.string(), z.unknown());

/**
 * An example's inputs as its first step received them (the program's inputs that step reads), from
 * the JSON text SQLite extracted from the trace; {} when the trace has none.
 */
export function parseInputs(text: unknown): Record<string, unknown> {
  if (text === null || text === undefined) return {};
  const read = readStoredJson(text, inputsSchema);
  return read.ok ? read.value : {};
}

export const PREVIEW_CHARS = 200;

/** A one-line text of the inputs, for the list and for search: `field: value · field: value`, cut at 200 characters. */
export function previewOf(inputs: Record<string, unknown>): string {
  const text = Object.entries(inputs)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ")
    .replace(/\s+/g, " ");
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
