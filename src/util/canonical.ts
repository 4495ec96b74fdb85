import { hash } from "node:crypto";

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal data always gives equal
 * text (and equal hashes) whatever order it was built in. `undefined` members are dropped as
 * JSON.stringify does; non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

/** The canonical text of a value, or undefined for what JSON leaves out (undefined, functions). */
function write(value: unknown): string | undefined {
  // Written directly rather than by sorting copies for JSON.stringify: this runs once per example
  // per evaluation (memo keys), and building sorted copies is most of its cost.
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return JSON.stringify(value); // throws, as JSON.stringify does
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + (write(value[i]) ?? "null");
    return out + "]";
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return write((value as { toJSON: () => unknown }).toJSON());
  let out = "{";
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const text = write((value as Record<string, unknown>)[key]);
    if (text === undefined) continue;
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + text;
    first = false;
  }
  return out + "}";
}

/** Hex sha256 of a text, one-shot (`crypto.hash`: several times cheaper than a Hash object on the short texts hashed per example). */
export function sha256(text: string): string {
  return hash("sha256", text, "hex");
}

/** sha256 of the canonical JSON of a value. */
export function hashOf(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * The first 52 bits of a hex digest as a number (exact in a double): a key for telling contents
 * apart in a Set or array without holding every 64-character digest.
 */
export function digestNumber(hex: string): number {
  return Number.parseInt(hex.slice(0, 13), 16);
}
