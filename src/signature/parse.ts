import type { Field, FieldType, Signature } from "./types.js";

/** A syntax error in a signature or type string; `offset` is 0-based within that string. */
export class SignatureSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = "SignatureSyntaxError";
    this.offset = offset;
  }
}

const TYPE_ALIASES: Record<string, FieldType["kind"]> = {
  string: "string",
  str: "string",
  text: "string",
  number: "number",
  float: "number",
  integer: "integer",
  int: "integer",
  boolean: "boolean",
  bool: "boolean",
  json: "json",
  dict: "json",
  object: "json",
};

export const TYPE_NAMES = ["string", "number", "integer", "boolean", "json", "enum(…)", "list[…]"];

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Small recursive-descent parser over one string; every error carries the offset it found. */
class Cursor {
  pos = 0;
  constructor(readonly src: string) {}

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    this.skipSpace();
    return this.src[this.pos];
  }
  atEnd(): boolean {
    return this.peek() === undefined;
  }
  eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(ch: string, what: string): void {
    if (!this.eat(ch)) this.fail(`expected ${what}`);
  }
  fail(message: string, at = this.pos): never {
    const found = this.src[at] === undefined ? "end of text" : `"${this.src[at]}"`;
    throw new SignatureSyntaxError(`${message}, found ${found}`, at);
  }
  word(): { text: string; at: number } {
    this.skipSpace();
    const at = this.pos;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail("expected a field or type name");
    this.pos += m[0].length;
    return { text: m[0], at };
  }
}

function parseTypeAt(cur: Cursor): FieldType {
  const { text, at } = cur.word();
  const lower = text.toLowerCase();
  if (lower === "enum" || lower === "literal") {
    const open = cur.peek() === "[" ? "[" : "(";
    const close = open === "[" ? "]" : ")";
    cur.expect(open, `"(" after enum`);
    const options: string[] = [];
    do {
      cur.skipSpace();
      const optionAt = cur.pos;
      const option = parseOption(cur, close);
      if (options.some((o) => o.toLowerCase() === option.toLowerCase())) {
        throw new SignatureSyntaxError(`enum option "${option}" is listed twice`, optionAt);
      }
      options.push(option);
    } while (cur.eat(","));
    cur.expect(close, `"," or "${close}" in enum options`);
    return { kind: "enum", options };
  }
  if (lower === "list") {
    const open = cur.peek() === "(" ? "(" : "[";
    cur.expect(open, `"[" after list`);
    const item = parseTypeAt(cur);
    cur.expect(open === "[" ? "]" : ")", `"]" closing list`);
    return { kind: "list", item };
  }
  const kind = TYPE_ALIASES[lower];
  if (!kind) {
    throw new SignatureSyntaxError(`unknown type "${text}" (expected one of ${TYPE_NAMES.join(", ")})`, at);
  }
  return { kind } as FieldType;
}

function parseOption(cur: Cursor, close: string): string {
  cur.skipSpace();
  const at = cur.pos;
  const q = cur.src[at];
  if (q === '"' || q === "'") {
    const end = cur.src.indexOf(q, at + 1);
    if (end < 0) throw new SignatureSyntaxError(`unterminated quoted enum option (no closing ${q})`, at);
    cur.pos = end + 1;
    const value = cur.src.slice(at + 1, end);
    if (!value.trim()) cur.fail("empty enum option", at);
    return value;
  }
  let end = at;
  while (end < cur.src.length && cur.src[end] !== "," && cur.src[end] !== close) end++;
  const value = cur.src.slice(at, end).trim();
  if (!value) cur.fail("expected an enum option", at);
  cur.pos = end;
  return value;
}

/** Parses a type such as `enum(low, high)` or `list[string]`. */
export function parseType(text: string): FieldType {
  const cur = new Cursor(text);
  const type = parseTypeAt(cur);
  if (!cur.atEnd()) cur.fail("unexpected text after the type");
  return type;
}

function parseFields(cur: Cursor, stop: string | undefined, side: string, offsets?: Map<string, number>): Field[] {
  const fields: Field[] = [];
  for (;;) {
    const { text: name, at } = cur.word();
    if (!NAME_RE.test(name)) cur.fail(`bad ${side} field name`, at);
    if (fields.some((f) => f.name === name)) throw new SignatureSyntaxError(`${side} field "${name}" appears twice`, at);
    offsets?.set(name, at);
    if (cur.eat(":")) {
      fields.push({ name, type: parseTypeAt(cur), typed: true });
    } else {
      fields.push({ name, type: { kind: "string" }, typed: false });
    }
    if (cur.eat(",")) continue;
    const next = cur.peek();
    if (next === undefined || (stop !== undefined && cur.src.startsWith(stop, cur.pos))) return fields;
    cur.fail(stop ? `expected "," or "${stop}"` : `expected "," or end of signature`);
  }
}

/**
 * Parses `in1, in2: type -> out1: type, out2`. Untyped fields are strings (`typed: false`).
 * Throws SignatureSyntaxError with the offset of the problem.
 */
export function parseSignature(text: string): Signature {
  const cur = new Cursor(text);
  const arrows = arrowOffsets(text);
  const arrow = arrows[0];
  if (arrow === undefined) throw new SignatureSyntaxError('a signature needs "->" between inputs and outputs', text.length);
  if (arrows.length > 1) throw new SignatureSyntaxError('a signature has exactly one "->"', arrows[1]!);
  if (!text.slice(0, arrow).trim()) throw new SignatureSyntaxError("a signature needs at least one input field", 0);
  const inputs = parseFields(cur, "->", "input");
  cur.skipSpace();
  cur.pos += 2;
  if (cur.atEnd()) throw new SignatureSyntaxError("a signature needs at least one output field", cur.pos);
  const outputOffsets = new Map<string, number>();
  const outputs = parseFields(cur, undefined, "output", outputOffsets);
  for (const o of outputs) {
    const clash = inputs.find((i) => i.name === o.name);
    if (clash) throw new SignatureSyntaxError(`"${o.name}" is both an input and an output`, outputOffsets.get(o.name)!);
  }
  return { inputs, outputs };
}

/** Offsets of every `->` outside quoted enum options (an option may contain "->"). */
function arrowOffsets(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end >= 0) i = end; // an unterminated quote is reported by the parser, where it is
    } else if (text.startsWith("->", i)) {
      out.push(i);
      i++;
    }
  }
  return out;
}
