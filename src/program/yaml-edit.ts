import { Document, isMap, isPair, isScalar, visit, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";

/**
 * Small, surgical edits of a YAML file's text: replace one pair of a block mapping, insert pairs
 * into one, replace one scalar. Everything not edited stays byte for byte as the user wrote it
 * (comments, blank lines, quoting, folded scalars, flow mappings), which re-serialising a parsed
 * Document does not guarantee (it reflows long lines and flow collections).
 */

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits; inserts at the same offset keep the order they were given in. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => b.start - a.start || b.i - a.i);
  let out = text;
  let limit = Infinity;
  for (const e of ordered) {
    if (e.end > limit) throw new Error(`overlapping YAML edits at offset ${e.start}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

/**
 * `key: value` as YAML lines (the first unindented, the others relative to it). Strings with line
 * breaks become literal block scalars (`|`), other values take yaml's plain-or-quoted choice; lines
 * are never folded.
 */
export function renderPair(key: string, value: unknown): string[] {
  const doc = new Document({ [key]: value });
  markBlockStrings(doc);
  const text = doc.toString({ lineWidth: 0 });
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/** Makes every multi-line string under `node` a literal block scalar (yaml quotes it if it cannot be one). */
export function markBlockStrings(node: Document | Node): void {
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === "string" && scalar.value.includes("\n")) scalar.type = "BLOCK_LITERAL";
    },
  });
}

/** 0-based column of an offset. */
export function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** Indents every non-empty line after the first by `indent` spaces and joins them. */
function indentLines(lines: readonly string[], indent: number, first: boolean): string {
  const pad = " ".repeat(indent);
  return lines.map((l, i) => (l === "" || (i === 0 && !first) ? l : pad + l)).join("\n");
}

/** A block mapping's pair with the given (scalar) key. */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && p.key.value === key);
}

/** Column of a block mapping's keys. */
export function keyColumn(text: string, map: YAMLMap): number | undefined {
  const first = map.items[0];
  const start = first && isPair(first) && isScalar(first.key) ? first.key.range?.[0] : undefined;
  return start === undefined ? undefined : columnOf(text, start);
}

/** Where a pair's text starts and ends (through its value's trailing comment and line break). */
function pairRegion(pair: Pair): { start: number; keyEnd: number; end: number } | undefined {
  const key = pair.key as Node | null;
  const value = pair.value as Node | null;
  if (!key?.range) return undefined;
  const end = Math.max(key.range[2], value?.range?.[2] ?? 0);
  return { start: key.range[0], keyEnd: key.range[1], end };
}

/**
 * The comment on a pair's first line (`key: value  # note`, `key: |- # note`, `key:  # note`),
 * with the spaces before it, so a replaced value keeps it.
 */
function firstLineComment(text: string, pair: Pair, region: { start: number; keyEnd: number }): string | undefined {
  const newline = text.indexOf("\n", region.start);
  const lineEnd = newline < 0 ? text.length : newline;
  const value = pair.value as Node | null;
  let from = region.keyEnd;
  let rest: string;
  if (value?.range && value.range[0] < lineEnd && value.range[0] >= region.keyEnd) {
    if (isScalar(value) && (value.type === "BLOCK_LITERAL" || value.type === "BLOCK_FOLDED")) {
      const header = /^[|>][0-9+-]*/.exec(text.slice(value.range[0], lineEnd));
      from = value.range[0] + (header?.[0].length ?? 0);
    } else if (value.range[1] <= lineEnd) {
      from = value.range[1];
    } else {
      return undefined;
    }
    rest = text.slice(from, lineEnd);
  } else {
    rest = text.slice(from, lineEnd).replace(/^\s*:/, "");
  }
  const m = /^([ \t]+#.*?)\s*$/.exec(rest);
  return m?.[1];
}

/** Replaces a pair of a block mapping (keys at column `indent`) by `lines` from renderPair. */
export function replacePairEdit(text: string, pair: Pair, lines: readonly string[], indent: number): TextEdit | undefined {
  const region = pairRegion(pair);
  if (!region) return undefined;
  const comment = firstLineComment(text, pair, region);
  const out = [...lines];
  if (comment) out[0] = out[0] + comment;
  const newline = text.slice(region.start, region.end).endsWith("\n") ? "\n" : "";
  return { start: region.start, end: region.end, text: indentLines(out, indent, false) + newline };
}

/** Inserts rendered pairs into a block mapping (keys at column `indent`) right after `after`. */
export function insertAfterEdit(text: string, after: Pair, pairs: readonly string[][], indent: number): TextEdit | undefined {
  const region = pairRegion(after);
  if (!region) return undefined;
  let at = region.end;
  if (at > 0 && text[at - 1] !== "\n") {
    const newline = text.indexOf("\n", at);
    at = newline < 0 ? text.length : newline + 1;
  }
  const lead = at > 0 && text[at - 1] !== "\n" ? "\n" : "";
  const body = pairs.map((lines) => indentLines(lines, indent, true)).join("\n");
  return { start: at, end: at, text: `${lead}${body}\n` };
}

/** Replaces a scalar's value, keeping its quoting style when the new value allows it. */
export function replaceScalarEdit(scalar: Scalar, value: string): TextEdit | undefined {
  if (!scalar.range) return undefined;
  const [start, end] = scalar.range;
  let rendered: string;
  if (scalar.type === "PLAIN" && /^[\w./~][\w./~+@=-]*$/u.test(value)) rendered = value;
  else if (scalar.type === "QUOTE_SINGLE" && !value.includes("\n")) rendered = `'${value.replace(/'/g, "''")}'`;
  else rendered = JSON.stringify(value);
  // A block scalar's range ends after its last line break.
  if (scalar.type === "BLOCK_LITERAL" || scalar.type === "BLOCK_FOLDED") rendered += "\n";
  return { start, end, text: rendered };
}

export function isBlockMap(node: unknown): node is YAMLMap {
  return isMap(node) && !node.flow;
}
