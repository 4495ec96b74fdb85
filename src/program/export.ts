import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Document, isMap, isPair, isScalar, Pair, parseDocument, Scalar, YAMLMap, type Node } from "yaml";
import { parseSignature } from "../signature/parse.js";
import { UserError } from "../util/errors.js";
import { isRecord, pathChanges, setIn, type ProgramPath } from "./relocate.js";
import type { ProgramState } from "./state.js";
import type { Demo } from "./types.js";
import {
  applyEdits,
  insertAfterEdit,
  isBlockMap,
  keyColumn,
  markBlockStrings,
  pairOf,
  renderPair,
  replacePairEdit,
  replaceScalarEdit,
  type TextEdit,
} from "./yaml-edit.js";
import { YamlSource } from "./yaml-source.js";
import { MAX_ALIAS_COUNT } from "./yaml-aliases.js";
import { displayPath } from "../util/display-path.js";

/** Where an exported program came from. */
export interface ExportProvenance {
  runId: string;
  /** The candidate's state hash (full or short). */
  candidate: string;
  score?: number;
  optimizer?: string;
  /** ISO timestamp. */
  exportedAt: string;
}

export interface ExportOptions {
  /** The original program's text (YAML, or JSON, which is YAML too). */
  source: string;
  /** Its absolute path: relative paths inside it are relative to its folder. */
  sourceFile: string;
  /** What to write into the program's steps. */
  state: ProgramState;
  /** Where the export will be written: relative paths are rewritten to stay correct from there. */
  targetFile: string;
  format: "yaml" | "json";
  /**
   * Written as a leading comment of a YAML export. A JSON export has no comments and the program
   * schema takes no extra keys, so there it is left out: the file's own state identifies the
   * candidate (its `stateHash` is the candidate's hash).
   */
  provenance?: ExportProvenance;
}

/** What changes in one step: only what differs from the file is written. */
interface StepEdit {
  name: string;
  instruction?: string;
  demos?: Demo[];
}

/** A step's keys that a new `instruction:` / `demos:` goes after, first found wins. */
const INSTRUCTION_AFTER = ["signature", "module"];
const DEMOS_AFTER = ["instruction", "signature", "module"];

/**
 * The user's program with `state` written into its steps (`instruction:` and `demos:`) and its
 * relative paths rewritten for `targetFile`'s folder: itself a valid program.
 *
 * YAML keeps the user's text: only the edited pairs and paths change, so comments, key order,
 * quoting and layout survive. Multi-line instructions are literal block scalars; demos are block
 * sequences of mappings in the step signature's field order. Instructions are written trimmed (the
 * loader trims them), and a step whose instruction or demos equal the state's is left as written.
 *
 * Throws a UserError when the state names steps the program does not have (the state belongs to
 * another program) or when the source is not a program mapping.
 */
export function exportProgram(options: ExportOptions): string {
  const { state, format } = options;
  const text = stripProvenance(options.source);
  const display = displayPath(options.sourceFile);
  const source = YamlSource.parse(display, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new UserError(syntax);
  const data = source.data();
  if (!isRecord(data) || !isRecord(data.steps)) {
    throw new UserError({ message: "expected a program mapping with `steps:`, cannot write a state into it", pos: { file: display } });
  }
  const steps = data.steps;

  const unknown = Object.keys(state.steps).filter((name) => !Object.hasOwn(steps, name));
  if (unknown.length > 0) {
    const names = unknown.map((n) => `\`${n}\``).join(", ");
    throw new UserError({
      message: `the state names ${unknown.length === 1 ? "a step" : "steps"} ${names} that this program does not have (its steps: ${Object.keys(steps).join(", ")})`,
      pos: { file: display },
      hint: "the state belongs to another program; export it with the program it was optimized for",
    });
  }
  const notMappings = Object.keys(state.steps).filter((name) => !isRecord(steps[name]));
  if (notMappings.length > 0) {
    throw new UserError({ message: `step ${notMappings.map((n) => `\`${n}\``).join(", ")} is not a mapping, cannot write a state into it`, pos: { file: display } });
  }

  const edits = stepEdits(steps, state);
  const paths = pathChanges(data, path.dirname(path.resolve(options.sourceFile)), path.dirname(path.resolve(options.targetFile)));
  const expected = applyToData(data, edits, paths);

  if (format === "json") {
    const out = `${JSON.stringify(expected, null, 2)}\n`;
    if (!readsAs(out, expected)) throw new Error("internal error: the JSON export does not read back as the program it should be");
    return out;
  }

  let body = spliceYaml(text, source.doc, edits, paths);
  if (body === undefined || !readsAs(body, expected)) {
    // A layout the text edits do not handle (a flow-style `steps:`, aliases): edit the parsed document
    // instead, which keeps comments and key order but lets yaml lay the file out again.
    body = editDocument(text, edits, paths);
    if (text.includes("\r\n")) body = body.replace(/\r?\n/g, "\r\n");
    if (!readsAs(body, expected)) throw new Error("internal error: the YAML export does not read back as the program it should be");
  }
  body = body.replace(/^\uFEFF/, "");
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  return options.provenance ? `${provenanceComment(options.provenance)}${eol}${eol}${body}` : body;
}

/** The leading comment line of a YAML export. */
export function provenanceComment(p: ExportProvenance): string {
  const parts = [`exported by dspx from run ${p.runId}`, `candidate ${p.candidate}`];
  if (p.score !== undefined) parts.push(`score ${Number.isFinite(p.score) ? Number(p.score.toFixed(4)) : p.score}`);
  if (p.optimizer) parts.push(`optimizer ${p.optimizer}`);
  parts.push(p.exportedAt);
  return `# ${parts.join(", ").replace(/\s+/g, " ")}`;
}

/** A previous export's provenance comment (and the blank line after it), so re-exports do not stack them. */
function stripProvenance(text: string): string {
  return text.replace(/^(\uFEFF?)# exported by dspx from run [^\n]*\n(?:[ \t]*\r?\n)?/, "$1");
}

/** For each state step, what differs from the file. */
function stepEdits(steps: Record<string, unknown>, state: ProgramState): StepEdit[] {
  const out: StepEdit[] = [];
  for (const [name, stepState] of Object.entries(state.steps)) {
    const raw = steps[name] as Record<string, unknown>;
    const edit: StepEdit = { name };
    const instruction = stepState.instruction.trim();
    const current = typeof raw.instruction === "string" ? raw.instruction.trim() : "";
    if (instruction !== current || (raw.instruction !== undefined && typeof raw.instruction !== "string")) edit.instruction = instruction;
    const order = fieldOrder(raw.signature);
    const demos = stepState.demos.map((d) => orderDemo(d, order));
    const currentDemos = raw.demos ?? [];
    if (!isDeepStrictEqual(currentDemos, demos)) edit.demos = demos;
    if (edit.instruction !== undefined || edit.demos !== undefined) out.push(edit);
  }
  return out;
}

/** A step's input and output field names in signature order, when its signature reads. */
function fieldOrder(signature: unknown): { inputs: string[]; outputs: string[] } | undefined {
  if (typeof signature === "string") {
    try {
      const sig = parseSignature(signature);
      return { inputs: sig.inputs.map((f) => f.name), outputs: sig.outputs.map((f) => f.name) };
    } catch {
      return undefined;
    }
  }
  if (isRecord(signature) && isRecord(signature.inputs) && isRecord(signature.outputs)) {
    return { inputs: Object.keys(signature.inputs), outputs: Object.keys(signature.outputs) };
  }
  return undefined;
}

/**
 * A demo with its keys in signature order: inputs, then fields the signature does not name (a chain
 * of thought's `reasoning`, which comes before the outputs), then outputs. Undefined values are dropped.
 */
function orderDemo(demo: Demo, order: { inputs: string[]; outputs: string[] } | undefined): Demo {
  const keys = Object.keys(demo).filter((k) => demo[k] !== undefined);
  const sorted = order
    ? [
        ...order.inputs.filter((k) => keys.includes(k)),
        ...keys.filter((k) => !order.inputs.includes(k) && !order.outputs.includes(k)),
        ...order.outputs.filter((k) => keys.includes(k)),
      ]
    : keys;
  return Object.fromEntries(sorted.map((k) => [k, structuredClone(demo[k])]));
}

/** The program's data as the export must read: state written in, paths relocated, key order as in the YAML. */
function applyToData(
  data: Record<string, unknown>,
  edits: readonly StepEdit[],
  paths: readonly { at: ProgramPath; to: string }[],
): Record<string, unknown> {
  const out = structuredClone(data);
  const steps = out.steps as Record<string, Record<string, unknown>>;
  for (const edit of edits) {
    let step = steps[edit.name]!;
    if (edit.instruction !== undefined) step = withKey(step, "instruction", edit.instruction, INSTRUCTION_AFTER);
    if (edit.demos !== undefined) step = withKey(step, "demos", edit.demos, DEMOS_AFTER);
    steps[edit.name] = step;
  }
  for (const { at, to } of paths) setIn(out, at, to);
  return out;
}

/** `record` with `key` set: in place when present, else after the first of `after` found (else last). */
function withKey(record: Record<string, unknown>, key: string, value: unknown, after: readonly string[]): Record<string, unknown> {
  if (Object.hasOwn(record, key)) return { ...record, [key]: value };
  const keys = Object.keys(record);
  const anchor = after.find((k) => keys.includes(k));
  const at = anchor === undefined ? keys.length : keys.indexOf(anchor) + 1;
  const entries = Object.entries(record);
  entries.splice(at, 0, [key, value]);
  return Object.fromEntries(entries);
}

/** Whether `text` parses (as YAML, which JSON is) to exactly `expected`. */
function readsAs(text: string, expected: unknown): boolean {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return false;
  return isDeepStrictEqual(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), expected);
}

/** The export as text edits of the source; undefined when its layout is not one they handle. */
function spliceYaml(
  text: string,
  doc: Document.Parsed,
  edits: readonly StepEdit[],
  paths: readonly { at: ProgramPath; to: string }[],
): string | undefined {
  const out: TextEdit[] = [];
  const stepsMap = doc.get("steps", true);
  for (const edit of edits) {
    const map = doc.getIn(["steps", edit.name], true);
    if (isMap(map) && map.flow && isBlockMap(stepsMap)) {
      // A one-line flow step cannot take block scalars: that step (only) is written again as a block.
      const pair = pairOf(stepsMap, edit.name);
      const indent = keyColumn(text, stepsMap);
      if (!pair || indent === undefined) return undefined;
      const e = replacePairEdit(text, pair, renderStepAsBlock(doc, edit, map), indent);
      if (!e) return undefined;
      out.push(e);
      continue;
    }
    if (!isBlockMap(map)) return undefined;
    const indent = keyColumn(text, map);
    if (indent === undefined) return undefined;
    const inserts: string[][] = [];
    let insertAfter: Pair | undefined;
    const lastPair = map.items[map.items.length - 1];
    const anchorOf = (keys: readonly string[]) => keys.map((k) => pairOf(map, k)).find((p) => p !== undefined) ?? lastPair;
    if (edit.instruction !== undefined) {
      const lines = renderPair("instruction", edit.instruction);
      const pair = pairOf(map, "instruction");
      if (pair) {
        const e = replacePairEdit(text, pair, lines, indent);
        if (!e) return undefined;
        out.push(e);
      } else {
        inserts.push(lines);
        insertAfter = anchorOf(INSTRUCTION_AFTER);
      }
    }
    if (edit.demos !== undefined) {
      const lines = renderPair("demos", edit.demos);
      const pair = pairOf(map, "demos");
      if (pair) {
        const e = replacePairEdit(text, pair, lines, indent);
        if (!e) return undefined;
        out.push(e);
      } else if (inserts.length > 0) {
        inserts.push(lines); // right after the new instruction
      } else {
        const anchor = anchorOf(DEMOS_AFTER);
        const e = anchor && insertAfterEdit(text, anchor, [lines], indent);
        if (!e) return undefined;
        out.push(e);
      }
    }
    if (inserts.length > 0) {
      if (!insertAfter) return undefined;
      const e = insertAfterEdit(text, insertAfter, inserts, indent);
      if (!e) return undefined;
      out.push(e);
    }
  }
  for (const { at, to } of paths) {
    const node = doc.getIn(at, true);
    if (!isScalar(node)) return undefined;
    const e = replaceScalarEdit(node, to);
    if (!e) return undefined;
    out.push(e);
  }
  // Keep a Windows file's line breaks (the rendered text has escapes, never raw breaks, inside values).
  const crlf = text.includes("\r\n");
  try {
    return applyEdits(text, crlf ? out.map((e) => ({ ...e, text: e.text.replace(/\r?\n/g, "\r\n") })) : out);
  } catch {
    return undefined;
  }
}

/** A flow-style step with the edit applied, as block `name:` lines (its nested flow collections stay flow). */
function renderStepAsBlock(doc: Document.Parsed, edit: StepEdit, map: YAMLMap): string[] {
  const step = map.clone(doc.schema) as YAMLMap;
  step.flow = false;
  step.comment = undefined; // the trailing comment of its line, which replacePairEdit keeps on `name:`
  const pairDoc = new Document();
  applyStepEdit(pairDoc, step, edit);
  const top = new YAMLMap(pairDoc.schema);
  top.items.push(new Pair(new Scalar(edit.name), step));
  pairDoc.contents = top;
  const printed = pairDoc.toString({ lineWidth: 0 });
  return (printed.endsWith("\n") ? printed.slice(0, -1) : printed).split("\n");
}

function applyStepEdit(doc: Document, map: YAMLMap, edit: StepEdit): void {
  if (edit.instruction !== undefined) setPair(doc, map, "instruction", edit.instruction, INSTRUCTION_AFTER);
  if (edit.demos !== undefined) setPair(doc, map, "demos", edit.demos, DEMOS_AFTER);
}

/** The export by editing the parsed document's nodes and printing it again (comments and key order survive). */
function editDocument(text: string, edits: readonly StepEdit[], paths: readonly { at: ProgramPath; to: string }[]): string {
  const doc = parseDocument(text, { uniqueKeys: true });
  const steps = doc.get("steps", true);
  for (const edit of edits) {
    const map = doc.getIn(["steps", edit.name], true);
    if (!isMap(map)) throw new Error(`internal error: step \`${edit.name}\` is not a mapping`);
    // Block scalars cannot sit in a flow mapping; a step under a block `steps:` can become a block.
    if (map.flow && isMap(steps) && !steps.flow) map.flow = false;
    applyStepEdit(doc, map, edit);
  }
  for (const { at, to } of paths) {
    const node = doc.getIn(at, true);
    if (isScalar(node)) node.value = to;
    else doc.setIn(at, to);
  }
  return doc.toString({ lineWidth: 0 });
}

function setPair(doc: Document, map: YAMLMap, key: string, value: unknown, after: readonly string[]): void {
  const node = doc.createNode(value) as Node;
  markBlockStrings(node);
  const existing = pairOf(map, key);
  if (existing) {
    existing.value = node;
    return;
  }
  const index = after.map((k) => map.items.findIndex((p) => isPair(p) && isScalar(p.key) && p.key.value === k)).find((i) => i >= 0);
  map.items.splice(index === undefined ? map.items.length : index + 1, 0, doc.createPair(key, node));
}
