import { coerceValue, type CoerceResult } from "../signature/coerce.js";
import type { Field } from "../signature/types.js";
import { canonicalJson } from "../util/canonical.js";
import type { ParseResult } from "./types.js";

/** How one raw value becomes a typed one; adapters add their own leniency around `coerceValue`. */
export type Coercer = (field: Field, raw: unknown) => CoerceResult;

const plainCoercer: Coercer = (field, raw) => coerceValue(field.type, raw);

/**
 * Turns the raw values an adapter found (keyed by exact output field name) into typed outputs,
 * or one error naming every missing field and every value that could not be read.
 */
export function readOutputs(fields: Field[], found: ReadonlyMap<string, unknown>, coerce: Coercer = plainCoercer): ParseResult {
  const missing = fields.filter((f) => !found.has(f.name)).map((f) => `\`${f.name}\``);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);

  const values: Record<string, unknown> = {};
  for (const field of fields) {
    if (!found.has(field.name)) continue;
    const raw = found.get(field.name);
    const result = coerce(field, raw);
    if (result.ok) values[field.name] = result.value;
    else problems.push(`field \`${field.name}\`: ${result.error}, got ${quoteRaw(raw)}`);
  }
  return problems.length > 0 ? { ok: false, error: problems.join("; ") } : { ok: true, values };
}

const MAX_QUOTED = 80;

function quoteRaw(raw: unknown): string {
  const text = typeof raw === "string" ? JSON.stringify(raw) : raw === undefined ? "nothing" : canonicalJson(raw);
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}
