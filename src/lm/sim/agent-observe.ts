import type { TrajectoryStep } from "../tool-types.js";
import { sentences, valueToText } from "../../util/text.js";

/**
 * How sim reads what its tools answered. Tools mostly answer JSON: it is read as "key: value" lines
 * (keys in words, `warranty_months` → "warranty months"), one line per scalar and one per object in
 * a list, so an answer can be quoted line by line. Prose is read sentence by sentence.
 */

/** The observation as readable lines. */
export function observationLines(observation: string): string[] {
  const json = parseJson(observation);
  if (json === undefined) return sentences(observation);
  const lines: string[] = [];
  flatten(json, "", lines);
  return lines.length > 0 ? lines : sentences(observation);
}

/** The steps whose tool answered (not finish, not failed). */
export function answeredSteps(trajectory: readonly TrajectoryStep[]): TrajectoryStep[] {
  return trajectory.filter((s) => s.error === undefined && s.observation.trim() !== "");
}

export function humanKey(key: string): string {
  return key.replace(/[_-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().trim();
}

function flatten(value: unknown, prefix: string, lines: string[]): void {
  if (Array.isArray(value)) {
    if (value.every(isScalar)) {
      if (value.length > 0) lines.push(labelled(prefix, value.map(valueToText).join(", ")));
      return;
    }
    for (const item of value) {
      if (isFlatObject(item)) lines.push(labelled(prefix, Object.entries(item).map(([k, v]) => `${humanKey(k)}: ${valueToText(v)}`).join(", ")));
      else flatten(item, prefix, lines);
    }
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === "" ? humanKey(k) : `${prefix} ${humanKey(k)}`, lines);
    return;
  }
  if (value === null || value === undefined || value === "") return;
  lines.push(labelled(prefix, valueToText(value)));
}

function labelled(prefix: string, text: string): string {
  return prefix === "" ? text : `${prefix}: ${text}`;
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

function isFlatObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(isScalar);
}

function parseJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** A value found under a key in an observation, with the other scalar values of its object (which say what it is). */
export interface KeyedValue {
  value: string;
  context: string;
}

/** Every scalar value stored under `key` (any depth) in a JSON observation, in document order. */
export function valuesForKey(observation: string, key: string): KeyedValue[] {
  const json = parseJson(observation);
  const out: KeyedValue[] = [];
  const want = humanKey(key);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const entries = Object.entries(value);
    for (const [k, v] of entries) {
      if (humanKey(k) === want && isScalar(v) && v !== null && v !== "") {
        const context = entries.filter(([other, ov]) => other !== k && isScalar(ov)).map(([, ov]) => valueToText(ov)).join(" ");
        out.push({ value: valueToText(v), context });
      } else walk(v);
    }
  };
  walk(json);
  return out;
}
