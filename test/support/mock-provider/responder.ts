import type { MockReply, MockRequest } from "./types.js";

/**
 * The mock's default answers: deterministic functions of the request, in the format the request
 * asks for — dspx's chat adapter (`[[ ## field ## ]]` sections), its json adapter (one JSON object),
 * OpenAI structured output (`response_format: json_schema`) and Anthropic forced tool use.
 */

export function defaultResponder(req: MockRequest): MockReply {
  const lastUser = lastUserMessage(req);
  const seed = lastUser;
  const phrase = phraseFrom(lastUser);

  const schema = structuredSchema(req);
  if (schema !== undefined) {
    return { kind: "json", value: valueForSchema(schema.schema, { root: schema.schema, seed, phrase, depth: 0 }, "") };
  }

  const system = req.system ?? "";
  const respond = respondRequest(lastUser);
  if (respond) {
    const types = outputTypes(system);
    const fieldType = (name: string): FieldType => types.get(name) ?? types.get(name.toLowerCase()) ?? STRING;
    if (respond.format === "chat") {
      const parts = respond.fields.map((name) => `[[ ## ${name} ## ]]\n${chatValue(valueForField(name, fieldType(name), seed, phrase))}`);
      parts.push("[[ ## completed ## ]]");
      return { kind: "text", text: parts.join("\n\n") };
    }
    const object: Record<string, unknown> = {};
    for (const name of respond.fields) object[name] = valueForField(name, fieldType(name), seed, phrase);
    return { kind: "text", text: JSON.stringify(object, null, 2) };
  }

  if (req.api === "openai" && req.body?.response_format?.type === "json_object") {
    return { kind: "text", text: JSON.stringify({ answer: phrase }) };
  }
  return { kind: "text", text: `Mock reply ${(fnv1a(seed) % 1000).toString().padStart(3, "0")}: ${phrase}` };
}

// ---------------------------------------------------------------------------------------------
// Hashing

/** FNV-1a, 32-bit: cheap and deterministic. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The deterministic choice for `key` (a field name or JSON path) given the request's seed text. */
function pick(seed: string, key: string, n: number): number {
  return n <= 0 ? 0 : fnv1a(`${key}\u0000${seed}`) % n;
}

// ---------------------------------------------------------------------------------------------
// Reading dspx prompts

function lastUserMessage(req: MockRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role === "user") return m.content;
  }
  return "";
}

const MARKER_RE = /\[\[\s*##\s*(.+?)\s*##\s*\]\]/g;

/** Which fields the last user message asks for, and in which format. */
function respondRequest(lastUser: string): { format: "chat" | "json"; fields: string[] } | undefined {
  const at = lastUser.lastIndexOf("Respond ");
  if (at < 0) return undefined;
  const line = lastUser.slice(at);
  if (line.startsWith("Respond with the corresponding output field")) {
    const end = line.indexOf("and then ending with the marker for");
    const listed = end < 0 ? line : line.slice(0, end);
    const fields = [...listed.matchAll(MARKER_RE)].map((m) => m[1]!).filter((n) => n.toLowerCase() !== "completed");
    return { format: "chat", fields };
  }
  if (line.startsWith("Respond by ending with the marker for")) return { format: "chat", fields: [] };
  if (line.startsWith("Respond with a JSON object with exactly the keys")) {
    const fields = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]!}"`) as string);
    return { format: "json", fields };
  }
  return undefined;
}

/** The short phrase string answers are made of: the first words of the first input value. */
function phraseFrom(lastUser: string): string {
  let text = lastUser;
  const markers = [...lastUser.matchAll(MARKER_RE)];
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const start = m.index + m[0].length;
    const end = i + 1 < markers.length ? markers[i + 1]!.index : lastUser.length;
    let value = lastUser.slice(start, end);
    const respond = value.indexOf("Respond ");
    if (respond >= 0) value = value.slice(0, respond);
    if (value.trim() !== "") {
      text = value;
      break;
    }
  }
  const words = text
    .replace(/\[\[[^\]]*\]\]/g, " ")
    .replace(/[«»`{}\[\]"]/g, " ")
    .split(/\s+/)
    .filter((w) => w !== "")
    .slice(0, 8);
  return words.length > 0 ? words.join(" ") : "no input";
}

type FieldType =
  | { kind: "string" | "number" | "integer" | "boolean" | "json" }
  | { kind: "enum"; options: string[] }
  | { kind: "list"; item: FieldType };

const STRING: FieldType = { kind: "string" };

const typeCache = new Map<string, Map<string, FieldType>>();

/**
 * Output field types from the system message: the listing `1. \`name\` (type)` under "You must
 * produce these output fields:", with `(must be exactly one of: a; b)` notes as a fallback for
 * enums. Cached per system message (programs repeat theirs).
 */
function outputTypes(system: string): Map<string, FieldType> {
  const cached = typeCache.get(system);
  if (cached) return cached;
  const types = new Map<string, FieldType>();
  const head = system.indexOf("You must produce these output fields:");
  if (head >= 0) {
    const lines = system.slice(head).split("\n").slice(1);
    for (const line of lines) {
      const m = /^\d+\.\s+`([^`]+)`\s+\((.*)$/.exec(line);
      if (!m) break;
      const parsed = parseType(m[2]!, 0);
      const type = parsed && m[2]![parsed.end] === ")" ? parsed.type : STRING;
      types.set(m[1]!, type);
      types.set(m[1]!.toLowerCase(), type);
    }
  }
  for (const m of system.matchAll(/\{([^{}\s]+)\} \(must be exactly one of: (.*)\)$/gm)) {
    if (!types.has(m[1]!)) types.set(m[1]!, { kind: "enum", options: m[2]!.split("; ") });
  }
  if (typeCache.size > 500) typeCache.clear();
  typeCache.set(system, types);
  return types;
}

/** Parses dspx's `typeToString` form at `pos`: `string`, `enum(a, "b c")`, `list[integer]`, … */
function parseType(text: string, pos: number): { type: FieldType; end: number } | undefined {
  const word = /^[a-z]+/.exec(text.slice(pos));
  if (!word) return undefined;
  let at = pos + word[0].length;
  switch (word[0]) {
    case "string":
    case "number":
    case "integer":
    case "boolean":
    case "json":
      return { type: { kind: word[0] }, end: at };
    case "list": {
      if (text[at] !== "[") return undefined;
      const item = parseType(text, at + 1);
      if (!item || text[item.end] !== "]") return undefined;
      return { type: { kind: "list", item: item.type }, end: item.end + 1 };
    }
    case "enum": {
      if (text[at] !== "(") return undefined;
      at++;
      const options: string[] = [];
      for (;;) {
        while (text[at] === " ") at++;
        if (text[at] === '"') {
          const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
          if (!m) return undefined;
          options.push(JSON.parse(m[0]) as string);
          at += m[0].length;
        } else {
          const m = /^[^,()]+/.exec(text.slice(at));
          if (!m) return undefined;
          options.push(m[0].trim());
          at += m[0].length;
        }
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === ")") return { type: { kind: "enum", options }, end: at + 1 };
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Values for dspx fields

const SCORE_NAME = /score|confidence|probability/i;

function valueForField(name: string, type: FieldType, seed: string, phrase: string): unknown {
  switch (type.kind) {
    case "string":
      if (/instruction/i.test(name)) return `Read the input carefully and answer precisely (variant ${pick(seed, name, 1000)}).`;
      if (/reason|rationale/i.test(name)) return `Reasoning about: ${phrase}`;
      return phrase;
    case "number":
    case "integer":
      return SCORE_NAME.test(name) ? pick(seed, name, 2) : 1 + pick(seed, name, 5);
    case "boolean":
      return pick(seed, name, 2) === 0;
    case "enum":
      return type.options[pick(seed, name, type.options.length)] ?? "";
    case "list":
      return [0, 1].map((i) => valueForField(`${name}[${i}]`, type.item, seed, i === 0 ? phrase : `${phrase} (2)`));
    case "json":
      return { value: phrase };
  }
}

/** A value written in a chat section: scalars as text, lists and objects as JSON. */
function chatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Values for JSON schemas

/** The schema of OpenAI `response_format: json_schema` or of an Anthropic forced tool. */
function structuredSchema(req: MockRequest): { schema: any } | undefined {
  const body = req.body;
  if (req.api === "openai") {
    const rf = body?.response_format;
    if (rf?.type === "json_schema") return { schema: rf.json_schema?.schema ?? {} };
    return undefined;
  }
  const tool = forcedTool(body);
  return tool ? { schema: tool.input_schema ?? {} } : undefined;
}

/** The tool an Anthropic request forces (`tool_choice` `tool` by name, or `any`: the first). */
export function forcedTool(body: any): { name: string; input_schema?: any } | undefined {
  const choice = body?.tool_choice;
  const tools: any[] = Array.isArray(body?.tools) ? body.tools : [];
  if (choice?.type === "tool") return tools.find((t) => t?.name === choice.name) ?? { name: String(choice.name) };
  if (choice?.type === "any") return tools[0];
  return undefined;
}

interface SchemaContext {
  root: any;
  seed: string;
  phrase: string;
  depth: number;
}

/** A value satisfying `schema` (the subset structured outputs use), chosen deterministically. */
export function valueForSchema(schema: any, ctx: SchemaContext, path: string): unknown {
  if (schema === true || schema === undefined || schema === null) return ctx.phrase;
  if (schema === false || typeof schema !== "object" || ctx.depth > 12) return null;
  const deeper = { ...ctx, depth: ctx.depth + 1 };
  if (typeof schema.$ref === "string") return valueForSchema(resolveRef(ctx.root, schema.$ref), deeper, path);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[pick(ctx.seed, path, schema.enum.length)];
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    const chosen = variants.find((v: any) => v?.type !== "null") ?? variants[0];
    return valueForSchema(chosen, deeper, path);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return valueForSchema(schema.allOf[0], deeper, path);

  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t: string) => t !== "null") ?? "null";
  if (type === undefined) type = schema.properties ? "object" : schema.items ? "array" : "string";
  const name = path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = schema.properties ?? {};
      for (const key of Object.keys(props)) out[key] = valueForSchema(props[key], deeper, path === "" ? key : `${path}.${key}`);
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity;
      const n = Math.min(max, Math.max(min, 2));
      const prefix: any[] = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      return Array.from({ length: n }, (_, i) => valueForSchema(prefix[i] ?? schema.items ?? {}, deeper, `${path}[${i}]`));
    }
    case "integer":
    case "number": {
      let n = SCORE_NAME.test(name) ? pick(ctx.seed, path, 2) : 1 + pick(ctx.seed, path, 5);
      if (typeof schema.minimum === "number") n = Math.max(n, Math.ceil(schema.minimum));
      if (typeof schema.exclusiveMinimum === "number") n = Math.max(n, Math.floor(schema.exclusiveMinimum) + 1);
      if (typeof schema.maximum === "number") n = Math.min(n, type === "integer" ? Math.floor(schema.maximum) : schema.maximum);
      if (typeof schema.exclusiveMaximum === "number") n = Math.min(n, Math.ceil(schema.exclusiveMaximum) - 1);
      return n;
    }
    case "boolean":
      return pick(ctx.seed, path, 2) === 0;
    case "null":
      return null;
    default: {
      const description = typeof schema.description === "string" ? schema.description : "";
      let s = /JSON text/.test(description) ? JSON.stringify({ value: ctx.phrase }) : (valueForField(name, STRING, ctx.seed, ctx.phrase) as string);
      if (typeof schema.maxLength === "number" && s.length > schema.maxLength) s = s.slice(0, schema.maxLength);
      if (typeof schema.minLength === "number" && s.length < schema.minLength) s = s.padEnd(schema.minLength, ".");
      return s;
    }
  }
}

function resolveRef(root: any, ref: string): any {
  if (!ref.startsWith("#")) return {};
  let node = root;
  for (const raw of ref.slice(1).split("/").filter((p) => p !== "")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = node?.[key];
  }
  return node ?? {};
}
