import type { Problem, SourcePos } from "../../util/errors.js";
import { suggestionHint } from "../../util/suggest.js";
import type { ReadProgram } from "../../program/load.js";
import { refToString } from "../../program/refs.js";
import type { Ref } from "../../program/types.js";
import type { Field, FieldType } from "../../signature/types.js";
import type { Draft } from "./modules.js";

/** What a reference names, as far as it can be told. */
export type Producer =
  /** A program input or a step output, of this type. */
  | { kind: "field"; type: FieldType }
  /** A step too broken to say what it outputs (its own problems are reported). */
  | { kind: "unchecked" }
  /** Nothing: the problem says so, unless the section it would name is itself broken and reported. */
  | { kind: "none"; problem?: Problem };

/** What references are resolved against: the program's inputs and steps as far as they compiled. */
export interface Scope {
  inputs: Field[];
  /** False when the `inputs:` section is missing or malformed (reported already): input references cannot be checked. */
  inputsKnown: boolean;
  /** Every step name, steps too broken to read included (so references to them do not dangle). */
  stepNames: Set<string>;
  drafts: ReadonlyMap<string, Draft>;
}

export function scopeOf(read: ReadProgram, drafts: ReadonlyMap<string, Draft>): Scope {
  const { spec } = read;
  const raw = spec.raw.inputs;
  return {
    inputs: spec.inputs,
    inputsKnown: raw !== null && typeof raw === "object" && !Array.isArray(raw),
    stepNames: new Set([...spec.steps.map((s) => s.name), ...read.brokenSteps]),
    drafts,
  };
}

/** The field a reference names; `where` and `pos` place the problem when it names nothing. */
export function producerOf(ref: Ref, pos: SourcePos, where: string, scope: Scope): Producer {
  const { inputs, stepNames } = scope;
  if (ref.kind === "input") {
    const f = inputs.find((i) => i.name === ref.field);
    if (f) return { kind: "field", type: f.type };
    if (!scope.inputsKnown) return { kind: "none" };
    return {
      kind: "none",
      problem: {
        message: `${where}: \`${refToString(ref)}\`: the program has no input \`${ref.field}\` (inputs: ${inputs.map((i) => i.name).join(", ")})`,
        pos,
        hint: suggestionHint(ref.field, inputs.map((i) => i.name)),
      },
    };
  }
  if (!stepNames.has(ref.step)) {
    // With no steps at all (a missing or misspelt `steps:`, already reported) every reference would dangle.
    if (stepNames.size === 0) return { kind: "none" };
    return {
      kind: "none",
      problem: {
        message: `${where}: \`${refToString(ref)}\`: there is no step \`${ref.step}\` (steps: ${[...stepNames].join(", ")})`,
        pos,
        hint: suggestionHint(ref.step, [...stepNames, "inputs"]),
      },
    };
  }
  const producer = scope.drafts.get(ref.step);
  if (!producer) return { kind: "unchecked" };
  const out = producer.outputs.find((f) => f.name === ref.field);
  if (out) return { kind: "field", type: out.type };
  return {
    kind: "none",
    problem: {
      message: `${where}: \`${refToString(ref)}\`: step \`${ref.step}\` has no output \`${ref.field}\` (outputs: ${producer.outputs.map((f) => f.name).join(", ")})`,
      pos,
      hint: suggestionHint(ref.field, producer.outputs.map((f) => f.name)),
    },
  };
}
