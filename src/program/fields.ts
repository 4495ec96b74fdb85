import type { Problem, SourcePos } from "../util/errors.js";
import { parseSignature, parseType, SignatureSyntaxError } from "../signature/parse.js";
import type { Field, Signature } from "../signature/types.js";
import { fieldSchema, type FieldSection } from "./schema.js";
import type { YamlPath, YamlSource } from "./yaml-source.js";
import { describePath } from "./zod-problems.js";

/** A field from its section (`type` string and `desc`); type errors point into the type string. */
export function fieldFromSection(
  name: string,
  section: FieldSection,
  source: YamlSource,
  path: YamlPath,
  problems: Problem[],
): Field | undefined {
  const field: Field = { name, type: { kind: "string" }, typed: false };
  if (section.desc !== undefined) field.desc = section.desc;
  if (section.type === undefined) return field;
  try {
    field.type = parseType(section.type);
    field.typed = true;
    return field;
  } catch (err) {
    if (!(err instanceof SignatureSyntaxError)) throw err;
    // The `type` value sits at path.type in the mapping form, or at path itself in the shorthand.
    const typePath = source.nodeAt([...path, "type"]) ? [...path, "type"] : path;
    problems.push({
      message: `${describePath(path)}: bad type: ${err.message}`,
      pos: source.posInString(typePath, err.offset),
    });
    return undefined;
  }
}

export function fieldsFromSections(
  sections: Record<string, FieldSection>,
  source: YamlSource,
  path: YamlPath,
  problems: Problem[],
): Field[] | undefined {
  const fields: Field[] = [];
  let ok = true;
  for (const [name, section] of Object.entries(sections)) {
    const f = fieldFromSection(name, section, source, [...path, name], problems);
    if (f) fields.push(f);
    else ok = false;
  }
  return ok ? fields : undefined;
}

/**
 * The fields of a section that may have problems: well-formed fields as written, the others as
 * untyped placeholders, so one bad field does not also make everything that reads it "dangling".
 */
export function fieldsLeniently(raw: unknown, source: YamlSource, path: YamlPath, problems: Problem[]): Field[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return [];
  const fields: Field[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const parsed = fieldSchema.safeParse(value);
    const f = parsed.success ? fieldFromSection(name, parsed.data, source, [...path, name], problems) : undefined;
    fields.push(f ?? { name, type: { kind: "string" }, typed: false });
  }
  return fields;
}

/** A step's signature from its string or mapping form. */
export function signatureFromSection(
  value: string | { inputs: Record<string, FieldSection>; outputs: Record<string, FieldSection> },
  source: YamlSource,
  path: YamlPath,
  problems: Problem[],
): Signature | undefined {
  if (typeof value === "string") {
    try {
      return parseSignature(value);
    } catch (err) {
      if (!(err instanceof SignatureSyntaxError)) throw err;
      problems.push({
        message: `${describePath(path)}: bad signature: ${err.message} (expected e.g. \`question, context: list[string] -> answer\`)`,
        pos: source.posInString(path, err.offset),
      });
      return undefined;
    }
  }
  const inputs = fieldsFromSections(value.inputs, source, [...path, "inputs"], problems);
  const outputs = fieldsFromSections(value.outputs, source, [...path, "outputs"], problems);
  if (!inputs || !outputs) return undefined;
  let ok = true;
  if (inputs.length === 0 || outputs.length === 0) {
    problems.push({ message: `${describePath(path)}: a signature needs at least one input and one output`, pos: source.posOf(path) });
    ok = false;
  }
  for (const o of outputs) {
    if (inputs.some((i) => i.name === o.name)) {
      problems.push({ message: `${describePath(path)}: \`${o.name}\` is both an input and an output`, pos: source.keyPos([...path, "outputs"], o.name) });
      ok = false;
    }
  }
  return ok ? { inputs, outputs } : undefined;
}

/**
 * Where a step's signature names one of its fields: the field's key in the mapping form, the name
 * inside the string form (found as a whole word on its side of `->`), else the signature itself.
 */
export function signatureFieldPos(source: YamlSource, path: YamlPath, side: "inputs" | "outputs", name: string): SourcePos {
  const text = source.nodeAt(path)?.toJSON() as unknown;
  if (typeof text === "string") {
    const arrow = text.indexOf("->");
    const start = side === "inputs" || arrow < 0 ? 0 : arrow + 2;
    const end = side === "inputs" && arrow >= 0 ? arrow : text.length;
    const m = new RegExp(`(^|[^A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).exec(text.slice(start, end));
    if (m) return source.posInString(path, start + m.index + m[1]!.length);
    return source.posOf(path);
  }
  return source.keyPos([...path, side], name);
}
