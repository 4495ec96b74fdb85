import { z } from "zod";
import type { Problem } from "../util/errors.js";
import { didYouMean, suggestionHint } from "../util/suggest.js";
import type { YamlPath, YamlSource } from "./yaml-source.js";

/**
 * Turns zod issues into problems that point into the YAML file, in words a user understands:
 * what is wrong, where, and what was expected.
 */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  base: YamlPath,
  schema: z.ZodType,
  value: unknown,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const rel = issue.path as (string | number)[];
    const path = [...base, ...rel];
    const where = describePath(path);
    const actual = valueAt(value, rel);
    if (actual === undefined && rel.length > 0 && ["invalid_type", "invalid_union", "custom"].includes(issue.code)) {
      // A required key is missing while a sibling key looks like a misspelling of it: the sibling is
      // reported as an unknown key with a did-you-mean (here for strict mappings, by the graph
      // compiler for a step's keys), which says it all; "missing …" as well would be noise.
      const parentRel = rel.slice(0, -1);
      const key = String(rel[rel.length - 1]);
      if (misspeltKey(value, parentRel, key, knownKeysAt(schema, parentRel)) !== undefined) continue;
    }
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, rel);
        for (const key of issue.keys) {
          problems.push({
            message: `unknown key \`${key}\`${where ? ` in ${where}` : ""}${known.length ? ` (expected one of: ${known.join(", ")})` : ""}`,
            pos: source.keyPos(path, key),
            hint: suggestionHint(key, known),
          });
        }
        break;
      }
      case "invalid_type":
      case "invalid_union": {
        if (issue.code === "invalid_union" && actual !== undefined) {
          problems.push({ message: `${where || "value"}: ${lowerFirst(issue.message)}`, pos: source.posOf(path) });
          break;
        }
        const expected = issue.code === "invalid_type" ? issue.expected : "";
        const message =
          actual === undefined
            ? `missing \`${String(path[path.length - 1])}\`${parentWhere(path)}`
            : `${where || "value"}: expected ${article(expected)}, got ${describeValue(actual)}`;
        problems.push({ message, pos: source.posOf(path) });
        break;
      }
      case "invalid_key": {
        // A bad name in a mapping of names (inputs, steps, …): say which, at the key.
        const key = String(path[path.length - 1]);
        const why = issue.issues.map((i) => i.message).join("; ");
        problems.push({ message: `\`${key}\`${parentWhere(path)} is not a valid name: ${why}`, pos: source.keyPos(path.slice(0, -1), key) });
        break;
      }
      case "too_big":
      case "too_small": {
        problems.push({ message: `${where || "value"}: ${sizeMessage(issue, actual)}`, pos: source.posOf(path) });
        break;
      }
      default:
        problems.push({ message: `${where || "value"}: ${lowerFirst(issue.message)}`, pos: source.posOf(path) });
    }
  }
  return problems;
}

/** "expected a number at most 2, got 5", "must not be empty": bounds in words. */
function sizeMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, actual: unknown): string {
  const big = issue.code === "too_big";
  const bound = Number(big ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum);
  const inclusive = issue.inclusive ?? true;
  if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
    const relation = big ? (inclusive ? "at most" : "below") : inclusive ? "at least" : "above";
    return `expected a number ${relation} ${bound}, got ${typeof actual === "number" ? actual : describeValue(actual)}`;
  }
  if (!big && bound === 1 && inclusive) return "must not be empty";
  const unit = issue.origin === "string" ? "characters" : "items";
  return `expected ${big ? "at most" : "at least"} ${bound} ${unit}`;
}

function misspeltKey(value: unknown, parentRel: readonly (string | number)[], key: string, known: string[]): string | undefined {
  const parent = valueAt(value, parentRel);
  if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return undefined;
  return Object.keys(parent).find((k) => k !== key && !known.includes(k) && didYouMean(k, [key]) === key);
}

function parentWhere(path: YamlPath): string {
  const parent = describePath(path.slice(0, -1));
  return parent ? ` in ${parent}` : "";
}

export function describePath(path: YamlPath): string {
  if (path.length === 0) return "";
  return `\`${path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[")}\``;
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: "a string",
    number: "a number",
    boolean: "true or false",
    object: "a mapping",
    array: "a list",
    record: "a mapping",
    int: "an integer",
  };
  return names[expected] ?? expected;
}

export function describeValue(v: unknown): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function lowerFirst(s: string): string {
  const cleaned = s.replace(/^Invalid input: /, "");
  return cleaned.charAt(0).toLowerCase() + cleaned.slice(1);
}

function valueAt(value: unknown, path: readonly (string | number | symbol)[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg as string];
  }
  return cur;
}

/** The keys an object schema accepts at a path (for did-you-mean on unknown keys). */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number | symbol)[]): string[] {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, z.ZodType>)[String(seg)];
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else if (cur instanceof z.ZodArray) cur = cur.element as z.ZodType;
    else return [];
    cur = cur ? unwrap(cur) : undefined;
  }
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

/** The schema that says which keys are known: through optional, nullable, default, pipes, and to a union's object. */
function unwrap(schema: z.ZodType): z.ZodType {
  let cur = schema;
  for (let i = 0; i < 10; i++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    // `.transform()` pipes into a transform: the keys are the input's; `z.preprocess` pipes into the schema.
    else if (cur instanceof z.ZodPipe) cur = (cur.out instanceof z.ZodTransform ? cur.in : cur.out) as z.ZodType;
    else if (cur instanceof z.ZodUnion) {
      const obj = (cur.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
      if (!obj) return cur;
      cur = obj;
    } else return cur;
  }
  return cur;
}
