import type { Problem } from "../../util/errors.js";
import { suggestionHint } from "../../util/suggest.js";
import type { ReadProgram } from "../../program/load.js";
import { refToString } from "../../program/refs.js";
import { describePath, describeValue, zodProblems } from "../../program/zod-problems.js";
import { coerceValue } from "../../signature/coerce.js";
import { isAssignable, typeToString } from "../../signature/format.js";
import type { Field, Signature } from "../../signature/types.js";
import type { Draft } from "./modules.js";
import type { StepWiring } from "./references.js";

export interface TypesResult {
  /** Each draft's signature with untyped inputs refined to their producers' types (inputs that resolved only). */
  signatures: Map<string, Signature>;
  problems: Problem[];
  /** Drafts with an input of the wrong type: never prepared. */
  mismatched: Set<string>;
}

/**
 * Phase 3, types: each resolved input against its producer's type (an untyped input takes the
 * producer's), and each step's demos against its fields.
 */
export function checkTypes(read: ReadProgram, drafts: ReadonlyMap<string, Draft>, wiring: ReadonlyMap<string, StepWiring>): TypesResult {
  const problems: Problem[] = [];
  const signatures = new Map<string, Signature>();
  const mismatched = new Set<string>();
  for (const [name, draft] of drafts) {
    const inputs: Field[] = [];
    for (const { field, ref, pos, from } of wiring.get(name)?.inputs ?? []) {
      if (from === undefined) inputs.push(field);
      else if (!field.typed) inputs.push({ ...field, type: from });
      else {
        if (!isAssignable(from, field.type)) {
          problems.push({
            message: `step \`${name}\` input \`${field.name}\` is ${typeToString(field.type)} but \`${refToString(ref)}\` produces ${typeToString(from)}`,
            pos,
          });
          mismatched.add(name);
        }
        inputs.push(field);
      }
    }
    problems.push(...demoProblems(read, draft));
    signatures.set(name, { inputs, outputs: draft.step.signature.outputs });
  }
  return { signatures, problems, mismatched };
}

/** A step's demos: only LM steps take them; each names fields of the step, with values of their types, and every output. */
function demoProblems(read: ReadProgram, draft: Draft): Problem[] {
  const { source } = read;
  const { step, outputs } = draft;
  if (step.demos.length > 0 && !draft.module.usesLM) {
    return [{ message: `step \`${step.name}\`: a ${draft.module.name} step uses no LM, so it takes no demos`, pos: source.posOf(["steps", step.name, "demos"]) }];
  }
  const problems: Problem[] = [];
  const fields = [...step.signature.inputs, ...outputs];
  const names = fields.map((f) => f.name);
  step.demos.forEach((demo, i) => {
    const path = ["steps", step.name, "demos", i];
    for (const [key, value] of Object.entries(demo)) {
      const extra = draft.module.demoKeys?.[key];
      if (extra) {
        const r = extra.safeParse(value);
        if (!r.success) problems.push(...zodProblems(r.error.issues, source, [...path, key], extra, value));
        continue;
      }
      const field = fields.find((f) => f.name === key);
      if (!field) {
        problems.push({
          message: `${describePath(path)}: \`${key}\` is not a field of this step (fields: ${names.join(", ")})`,
          pos: source.keyPos(path, key),
          hint: suggestionHint(key, names),
        });
        continue;
      }
      if (field.typed) {
        const r = coerceValue(field.type, value);
        if (!r.ok) problems.push({ message: `${describePath([...path, key])}: ${r.error}, got ${describeValue(value)}`, pos: source.posOf([...path, key]) });
      }
    }
    const missing = step.signature.outputs.filter((f) => !(f.name in demo)).map((f) => f.name);
    if (missing.length > 0) {
      problems.push({ message: `${describePath(path)}: a demo needs every output; missing ${missing.map((m) => `\`${m}\``).join(", ")}`, pos: source.posOf(path) });
    }
  });
  return problems;
}
