import type { Problem, SourcePos } from "../../util/errors.js";
import { suggestionHint } from "../../util/suggest.js";
import { MODULES } from "../../modules/registry.js";
import { signatureFieldPos } from "../../program/fields.js";
import type { ReadProgram } from "../../program/load.js";
import { refToString } from "../../program/refs.js";
import type { Ref } from "../../program/types.js";
import type { Field, FieldType } from "../../signature/types.js";
import type { Draft } from "./modules.js";
import { producerOf, scopeOf } from "./scope.js";

/** A step input whose source was found. */
export interface ResolvedInput {
  field: Field;
  ref: Ref;
  /** Where the input is wired (or, implicitly, named in the signature): type problems point here. */
  pos: SourcePos;
  /** The producer's type; undefined when the producer is too broken to say. */
  from: FieldType | undefined;
}

export interface StepWiring {
  /** The inputs that resolved, in signature order. */
  inputs: ResolvedInput[];
  sources: Record<string, Ref>;
  /** Steps whose outputs this step reads. */
  deps: string[];
}

export interface ReferencesResult {
  /** Every draft's wiring, in draft order. */
  wiring: Map<string, StepWiring>;
  problems: Problem[];
  /** Drafts with an input that did not resolve (reported, or not checkable): never prepared. */
  unresolved: Set<string>;
}

/**
 * Phase 2, references: each step input's source, explicit (`inputs:`) or implicit (the program
 * input or single earlier step output of its name), checked to name something; then cycles among
 * the steps, with the sources that resolved.
 */
export function resolveReferences(read: ReadProgram, drafts: ReadonlyMap<string, Draft>): ReferencesResult {
  const { spec, source } = read;
  const scope = scopeOf(read, drafts);
  const problems: Problem[] = [];
  const wiring = new Map<string, StepWiring>();
  const unresolved = new Set<string>();
  const order = fileOrder(read);
  const knownOutputs = (stepName: string): Field[] | undefined => {
    const draft = drafts.get(stepName);
    if (draft) return draft.outputs;
    const step = spec.steps.find((s) => s.name === stepName);
    if (!step) return undefined;
    return MODULES.get(step.module)?.outputs(step.signature) ?? step.signature.outputs;
  };
  for (const [name, { step }] of drafts) {
    const base = ["steps", name];
    const inputs: ResolvedInput[] = [];
    const sources: Record<string, Ref> = {};
    const unwired = read.flawedSteps.get(name);
    const fail = (problem?: Problem) => {
      if (problem) problems.push(problem);
      unresolved.add(name);
    };
    for (const field of step.signature.inputs) {
      let ref = step.wiring[field.name];
      if (!ref && (unwired === "all" || unwired?.has(field.name))) {
        fail(); // its wiring entry is broken and reported; an implicit source would be a guess
        continue;
      }
      const pos = ref ? source.posOf([...base, "inputs", field.name]) : signatureFieldPos(source, [...base, "signature"], "inputs", field.name);
      const where = `step \`${name}\` input \`${field.name}\``;
      if (!ref) {
        const implicit = implicitSource(field.name, name, order, spec.inputs, knownOutputs);
        if (implicit.kind === "unknown" || (implicit.kind === "none" && !scope.inputsKnown)) {
          fail(); // an earlier step is too broken to say; its own problems are reported
          continue;
        }
        if (implicit.kind === "none") {
          fail({
            message: `${where} has no source: no program input and no earlier step output is named \`${field.name}\` (wire it: \`inputs: { ${field.name}: $<step>.<field> }\`)`,
            pos,
            hint: suggestionHint(field.name, [
              ...spec.inputs.map((i) => i.name),
              ...order.slice(0, order.indexOf(name)).flatMap((s) => (knownOutputs(s) ?? []).map((f) => f.name)),
            ]),
          });
          continue;
        }
        if (implicit.kind === "ambiguous") {
          fail({
            message: `${where} is ambiguous: it could come from ${implicit.candidates.join(" or ")} (wire it explicitly under \`inputs:\`)`,
            pos,
          });
          continue;
        }
        ref = implicit.ref;
      }
      if (ref.kind === "step" && ref.step === name) {
        fail({ message: `${where} reads the step's own output \`${refToString(ref)}\``, pos });
        continue;
      }
      const producer = producerOf(ref, pos, where, scope);
      if (producer.kind === "none") {
        fail(producer.problem);
        continue;
      }
      sources[field.name] = ref;
      inputs.push({ field, ref, pos, from: producer.kind === "field" ? producer.type : undefined });
    }
    const deps = [...new Set(Object.values(sources).flatMap((r) => (r.kind === "step" ? [r.step] : [])))];
    wiring.set(name, { inputs, sources, deps });
  }
  // A step with wiring problems still takes part in the cycle check with the sources that resolved.
  const cycle = findCycle(wiring);
  if (cycle) {
    problems.push({
      message: `the steps form a cycle: ${cycle.join(" → ")} (a step cannot depend on its own output, directly or through others)`,
      pos: source.posOf(["steps", cycle[0]!]),
    });
  }
  return { wiring, problems, unresolved };
}

/** The steps in file order, steps too broken to read included (their outputs are unknown). */
export function fileOrder(read: ReadProgram): string[] {
  const { raw, steps } = read.spec;
  return raw.steps && typeof raw.steps === "object" ? Object.keys(raw.steps) : steps.map((s) => s.name);
}

type Implicit =
  | { kind: "none" }
  | { kind: "unknown" }
  | { kind: "ambiguous"; candidates: string[] }
  | { kind: "found"; ref: Ref };

/**
 * A program input or the single earlier step output with the field's name. Steps whose outputs are
 * unknown (unreadable signature) make "none" unknowable rather than an error.
 */
function implicitSource(
  field: string,
  step: string,
  order: string[],
  inputs: Field[],
  outputsOf: (step: string) => Field[] | undefined,
): Implicit {
  const refs: Ref[] = [];
  let unknown = false;
  if (inputs.some((i) => i.name === field)) refs.push({ kind: "input", field });
  for (const earlier of order.slice(0, order.indexOf(step))) {
    const outputs = outputsOf(earlier);
    if (!outputs) unknown = true;
    else if (outputs.some((o) => o.name === field)) refs.push({ kind: "step", step: earlier, field });
  }
  if (refs.length === 0) return unknown ? { kind: "unknown" } : { kind: "none" };
  if (refs.length > 1) return { kind: "ambiguous", candidates: refs.map(refToString) };
  return { kind: "found", ref: refs[0]! };
}

function findCycle(steps: ReadonlyMap<string, { deps: string[] }>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of steps.get(name)?.deps ?? []) {
      const c = visit(dep);
      if (c) return c;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of steps.keys()) {
    const c = visit(name);
    if (c) return c.reverse();
  }
  return undefined;
}
