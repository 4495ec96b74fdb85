import { z } from "zod";
import type { FieldType } from "./types.js";

/**
 * Zod schemas that turn what an LM wrote into a value of the declared type, leniently: "42" is a
 * number, "True" a boolean, "Billing." the enum option `billing`, a JSON array text a list. What
 * cannot be read as the type fails with a message saying what was expected.
 */
export function schemaFor(type: FieldType): z.ZodType<unknown> {
  // Building a zod schema costs far more than using one: build once per type object.
  let schema = schemas.get(type);
  if (!schema) {
    schema = buildSchema(type);
    schemas.set(type, schema);
  }
  return schema;
}

const schemas = new WeakMap<FieldType, z.ZodType<unknown>>();

function buildSchema(type: FieldType): z.ZodType<unknown> {
  switch (type.kind) {
    case "string":
      return z.preprocess(toText, z.string({ error: "expected text" }));
    case "number":
      return z.preprocess(toNumber, z.number({ error: "expected a number" }));
    case "integer":
      return z.preprocess(
        toNumber,
        z.number({ error: "expected an integer" }).int({ error: "expected an integer" }),
      );
    case "boolean":
      return z.preprocess(toBoolean, z.boolean({ error: "expected true or false" }));
    case "enum": {
      const options = type.options;
      return z.preprocess((v) => toEnum(v, options), z.enum(options as [string, ...string[]], {
        error: () => `expected one of: ${options.join(", ")}`,
      }));
    }
    case "list": {
      const item = schemaFor(type.item);
      return z.preprocess((v) => toList(v, type.item), z.array(item, { error: "expected a list" }));
    }
    case "json":
      return z.preprocess(toJson, z.unknown().refine((v) => v !== undefined, { message: "expected JSON" }));
  }
}

export type CoerceResult = { ok: true; value: unknown } | { ok: false; error: string };

export function coerceValue(type: FieldType, raw: unknown): CoerceResult {
  // What well-behaved models usually send needs no coercion: answer it without running zod.
  if (typeof raw === "string") {
    if (type.kind === "string" && !raw.includes("```") && raw === raw.trim()) return { ok: true, value: raw };
    if (type.kind === "enum" && type.options.includes(raw)) return { ok: true, value: raw };
  } else if ((type.kind === "number" && typeof raw === "number" && Number.isFinite(raw)) || (type.kind === "boolean" && typeof raw === "boolean")) {
    return { ok: true, value: raw };
  }
  const r = schemaFor(type).safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  // Inside a list, say which item (1-based): "item 2: expected an integer".
  const where = (path: readonly PropertyKey[]) => (path.length > 0 ? `item ${path.map((p) => Number(p) + 1).join(".")}: ` : "");
  return { ok: false, error: r.error.issues.map((i) => `${where(i.path)}${i.message}`).join("; ") };
}

function stripWrapping(text: string): string {
  let t = text.trim();
  const fence = /^```[\w-]*\s*\n?([\s\S]*?)\n?```$/.exec(t);
  if (fence) t = fence[1]!.trim();
  if (t.length >= 2 && /^["'`].*["'`]$/s.test(t) && t[0] === t[t.length - 1]) t = t.slice(1, -1).trim();
  return t;
}

function toText(v: unknown): unknown {
  if (typeof v === "string") return stripFence(v).trim();
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null || v === undefined) return v;
  return JSON.stringify(v);
}

function stripFence(text: string): string {
  const fence = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return fence ? fence[1]! : text;
}

const NUMBER_RE = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+/g;

function toNumber(v: unknown): unknown {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return v;
  const t = stripWrapping(v).replace(/[.;]$/, "");
  const plain = t.replace(/^[$€£]/, "").replace(/%$/, "");
  if (/^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?$|^[-+]?\.\d+$/.test(plain)) {
    return Number(plain.replace(/,/g, ""));
  }
  const found = t.match(NUMBER_RE) ?? [];
  if (found.length === 1) return Number(found[0]!.replace(/,/g, ""));
  return v;
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1", "correct", "t"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0", "incorrect", "f"]);

function toBoolean(v: unknown): unknown {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : v;
  if (typeof v !== "string") return v;
  const t = stripWrapping(v).toLowerCase().replace(/[.!]$/, "");
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return v;
}

function toEnum(v: unknown, options: string[]): unknown {
  if (typeof v === "boolean" || typeof v === "number") v = String(v);
  if (typeof v !== "string") return v;
  const t = stripWrapping(v).replace(/^[-*•]\s*/, "").replace(/[.!;:]+$/, "").trim();
  const exact = options.find((o) => o === t) ?? options.find((o) => o.toLowerCase() === t.toLowerCase());
  if (exact !== undefined) return exact;
  // "The team is billing" → billing, when exactly one option appears as a whole word. Longer
  // options are looked for first and taken out, so "not urgent" does not also count as "urgent".
  let rest = t.toLowerCase();
  const hits: string[] = [];
  for (const o of [...options].sort((a, b) => b.length - a.length)) {
    const re = new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRe(o.toLowerCase())}(?=$|[^\\p{L}\\p{N}_])`, "gu");
    if (!re.test(rest)) continue;
    hits.push(o);
    rest = rest.replace(re, "$1 ");
  }
  if (hits.length === 1) return hits[0];
  return v;
}

function toList(v: unknown, item: FieldType): unknown {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string") return v;
  const t = stripWrapping(v);
  if (t.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(t);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to line/comma splitting
    }
  }
  if (t === "") return [];
  const lines = t.split(/\n/).map((l) => l.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim()).filter(Boolean);
  if (lines.length > 1) return lines;
  // A single line: split on commas for scalar items; a string item keeps the line whole unless commas separate short items.
  const parts = lines[0]!.split(/\s*[,;]\s*/).filter(Boolean);
  if (item.kind !== "string" || parts.every((p) => p.split(/\s+/).length <= 4)) return parts;
  return [lines[0]];
}

function toJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = stripWrapping(v);
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
