import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Scalar } from "yaml";
import type { Problem, SourcePos } from "../util/errors.js";
import { aliasProblems, MAX_ALIAS_COUNT } from "./yaml-aliases.js";

export type YamlPath = readonly (string | number)[];

/**
 * A parsed YAML file that can say where any value came from, so every problem found later (schema,
 * references, types) points at file:line:column.
 */
export class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  private constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  static parse(file: string, text: string): YamlSource {
    return new YamlSource(file, text);
  }

  /** YAML syntax errors (and duplicate keys, undefined aliases, alias bombs), each with its position. */
  syntaxProblems(): Problem[] {
    // One problem per line: the parser's later errors on the same line follow from its first.
    const problems: Problem[] = [];
    const lines = new Set<number | undefined>();
    for (const e of this.doc.errors) {
      const pos = this.posOfOffset(e.pos[0]);
      if (lines.has(pos.line)) continue;
      lines.add(pos.line);
      const problem: Problem = { message: e.code === "DUPLICATE_KEY" ? this.duplicateKeyMessage(e.pos[0]) : describeYamlError(e.code, e.message), pos };
      if (e.code === "BLOCK_AS_IMPLICIT_KEY") {
        problem.hint = 'a value containing ": " must be quoted, e.g. signature: "question -> answer: integer"';
      }
      problems.push(problem);
    }
    // Only a document that parsed: aliases in a broken one may be broken by the same mistake.
    if (problems.length > 0) return problems;
    return aliasProblems(this.doc).map((p) => ({ message: p.message, pos: this.posOfOffset(p.offset) }));
  }

  /** "key `name` appears twice …" for the repeated key written at `offset`, naming the line of the first. */
  private duplicateKeyMessage(offset: number): string {
    let message = "a key appears twice in the same mapping (YAML keys must be unique)";
    visit(this.doc, {
      Map: (_, map) => {
        const at = map.items.findIndex((p) => isScalar(p.key) && p.key.range?.[0] === offset);
        if (at < 0) return undefined;
        const key = (map.items[at]!.key as Scalar).value;
        const first = map.items.find((p) => isScalar(p.key) && p.key.value === key);
        const line = isScalar(first?.key) && first.key.range ? ` (first on line ${this.lines.linePos(first.key.range[0]).line})` : "";
        message = `key \`${String(key)}\` appears twice in the same mapping${line}; YAML keys must be unique`;
        return visit.BREAK;
      },
    });
    return message;
  }

  /** The document as plain values; call after syntaxProblems() found none (aliases are checked there). */
  data(): unknown {
    return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  }

  posOfOffset(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** The node at a path (scalars included), or undefined. */
  nodeAt(path: YamlPath): Node | undefined {
    if (path.length === 0) return (this.doc.contents as Node | null) ?? undefined;
    const node = this.doc.getIn(path as (string | number)[], true);
    return node && typeof node === "object" && "range" in (node as object) ? (node as Node) : undefined;
  }

  /**
   * Where the value at `path` starts; for a missing value, where its nearest existing parent starts.
   */
  posOf(path: YamlPath): SourcePos {
    for (let n = path.length; n >= 0; n--) {
      const node = this.nodeAt(path.slice(0, n));
      if (node?.range) return this.posOfOffset(node.range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** Where the key `key` of the mapping at `path` is written. */
  keyPos(path: YamlPath, key: string): SourcePos {
    const map = this.nodeAt(path);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
          return this.posOfOffset(pair.key.range[0]);
        }
      }
    }
    return this.posOf(path);
  }

  /**
   * Position of a character inside a string value (e.g. the offending part of a signature). Exact for
   * plain and quoted one-line scalars; the scalar's start otherwise.
   */
  posInString(path: YamlPath, offset: number): SourcePos {
    const node = this.nodeAt(path);
    if (!isScalar(node) || !node.range) return this.posOf(path);
    const type = node.type;
    const raw = this.text.slice(node.range[0], node.range[1]);
    // A scalar folded over several lines (or with escapes) reads differently from its source text.
    if (type === "PLAIN" && !raw.includes("\n")) return this.posOfOffset(node.range[0] + offset);
    if (type === "QUOTE_DOUBLE" || type === "QUOTE_SINGLE") {
      if (!raw.includes("\n") && !raw.includes("\\") && !raw.includes("''")) return this.posOfOffset(node.range[0] + 1 + offset);
    }
    return this.posOfOffset(node.range[0]);
  }

  /** Every value's position keyed by its dotted path (`steps.route.signature`). */
  positions(): Map<string, SourcePos> {
    const out = new Map<string, SourcePos>();
    this.walk((path, node) => {
      if (node && typeof node === "object" && "range" in node && (node as Node).range) {
        out.set(path.join("."), this.posOfOffset((node as Node).range![0]));
      }
    });
    return out;
  }

  /** Where each mapping key is written, keyed by the dotted path of its value (`optimize.gepa`). */
  keyPositions(): Map<string, SourcePos> {
    const out = new Map<string, SourcePos>();
    this.walk((path, _node, key) => {
      if (key?.range) out.set(path.join("."), this.posOfOffset(key.range[0]));
    });
    return out;
  }

  /** Visits every value with its path (and, for a mapping's value, the key node). */
  private walk(visit: (path: (string | number)[], node: unknown, key?: Node) => void): void {
    const walk = (node: unknown, path: (string | number)[], key?: Node) => {
      visit(path, node, key);
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isPair(pair) && isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)], pair.key);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      }
    };
    walk(this.doc.contents, []);
  }
}

function describeYamlError(code: string, message: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "tabs cannot indent YAML; use spaces";
    default:
      return `YAML syntax: ${message.replace(/\s+at line \d+, column \d+.*$/s, "")}`;
  }
}
