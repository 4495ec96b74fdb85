import type { Problem, SourcePos } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import { MODULES } from "../modules/registry.js";
import { ModuleOptionError, type AnyModule } from "../modules/types.js";
import { parseModelSpec } from "../lm/spec.js";
import { refToString } from "../program/refs.js";
import { STEP_BASE_KEYS } from "../program/schema.js";
import { signatureFieldPos } from "../program/fields.js";
import type { ReadProgram } from "../program/load.js";
import type { LMConfig, MetricSpec, Ref, StepSpec } from "../program/types.js";
import { zodProblems, describePath, describeValue } from "../program/zod-problems.js";
import { coerceValue } from "../signature/coerce.js";
import { isAssignable, typeToString } from "../signature/format.js";
import type { Field, FieldType } from "../signature/types.js";
import type { CompiledStep, Graph } from "./types.js";

interface Draft {
  step: StepSpec;
  module: AnyModule;
  options: unknown;
  outputs: Field[];
}

/**
 * Compiles a read program into a graph: modules and their options, wiring (explicit and implicit),
 * types between producers and consumers, cycles, program outputs, demos and LM names. Every problem
 * is collected; `graph` is set only when there are none.
 */
export async function compileProgram(read: ReadProgram): Promise<{ graph?: Graph; problems: Problem[] }> {
  const { spec, source } = read;
  const problems: Problem[] = [...read.problems];
  const at = (path: (string | number)[]): SourcePos => source.posOf(path);
  const moduleNames = [...MODULES.keys()];

  // 1. Modules and their options for every step (broken ones too, so all problems show at once);
  //    signature shape for the steps that parsed.
  const drafts = new Map<string, Draft>();
  const flawed = new Map(read.flawedSteps);
  const specs = new Map(spec.steps.map((s) => [s.name, s]));
  for (const [name, { module: moduleName, options }] of read.stepModules) {
    const base = ["steps", name];
    const module = MODULES.get(moduleName);
    if (!module) {
      problems.push({
        message: `${describePath([...base, "module"])}: unknown module \`${moduleName}\` (expected one of: ${moduleNames.join(", ")})`,
        pos: at([...base, "module"]),
        hint: suggestionHint(moduleName, moduleNames),
      });
      // Without the module its own keys are unknown, but a near-miss of a common key is still a typo.
      for (const key of Object.keys(options)) {
        const hint = suggestionHint(key, STEP_BASE_KEYS);
        if (hint) problems.push({ message: `unknown key \`${key}\` in ${describePath(base)}`, pos: source.keyPos(base, key), hint });
      }
      continue;
    }
    const optionProblems = problems.length;
    const optionKeys = optionKeysOf(module);
    for (const key of Object.keys(options)) {
      if (!optionKeys.includes(key)) {
        const known = [...STEP_BASE_KEYS, ...optionKeys];
        problems.push({
          message: `unknown key \`${key}\` in ${describePath(base)} (a ${module.name} step takes: ${known.join(", ")})`,
          pos: source.keyPos(base, key),
          hint: suggestionHint(key, known),
        });
      }
    }
    const known = Object.fromEntries(Object.entries(options).filter(([k]) => optionKeys.includes(k)));
    const parsed = module.options.safeParse(known);
    if (!parsed.success) problems.push(...zodProblems(parsed.error.issues, source, base, module.options, known));
    const step = specs.get(name);
    if (!step) continue;
    const signatureProblems = problems.length;
    for (const message of module.checkSignature(step.signature)) {
      problems.push({ message: `${describePath([...base, "signature"])}: ${message}`, pos: at([...base, "signature"]) });
    }
    if (problems.length > signatureProblems) continue;
    // A step with bad options (or other problems of its own, already reported) is still checked for
    // its wiring and outputs, so those problems show with the rest; it is never prepared or run.
    if (problems.length > optionProblems) flawed.set(name, read.flawedSteps.get(name) ?? new Set());
    drafts.set(step.name, { step, module, options: parsed.data, outputs: module.outputs(step.signature) });
  }

  const stepNames = new Set([...spec.steps.map((s) => s.name), ...read.brokenSteps]);
  const inputField = (name: string) => spec.inputs.find((f) => f.name === name);
  // A missing or malformed `inputs:` section is reported already; what reads inputs cannot be checked.
  const inputsKnown = spec.raw.inputs !== null && typeof spec.raw.inputs === "object" && !Array.isArray(spec.raw.inputs);

  /** Resolves a reference to its producer's field; undefined when it cannot be checked (broken producer). */
  const producerType = (ref: Ref, pos: SourcePos, where: string): FieldType | undefined | null => {
    if (ref.kind === "input") {
      const f = inputField(ref.field);
      if (f) return f.type;
      if (!inputsKnown) return null;
      problems.push({
        message: `${where}: \`${refToString(ref)}\`: the program has no input \`${ref.field}\` (inputs: ${spec.inputs.map((i) => i.name).join(", ")})`,
        pos,
        hint: suggestionHint(ref.field, spec.inputs.map((i) => i.name)),
      });
      return null;
    }
    if (!stepNames.has(ref.step)) {
      // With no steps at all (a missing or misspelt `steps:`, already reported) every reference would dangle.
      if (stepNames.size === 0) return null;
      problems.push({
        message: `${where}: \`${refToString(ref)}\`: there is no step \`${ref.step}\` (steps: ${[...stepNames].join(", ")})`,
        pos,
        hint: suggestionHint(ref.step, [...stepNames, "inputs"]),
      });
      return null;
    }
    const producer = drafts.get(ref.step);
    if (!producer) return undefined;
    const out = producer.outputs.find((f) => f.name === ref.field);
    if (out) return out.type;
    problems.push({
      message: `${where}: \`${refToString(ref)}\`: step \`${ref.step}\` has no output \`${ref.field}\` (outputs: ${producer.outputs.map((f) => f.name).join(", ")})`,
      pos,
      hint: suggestionHint(ref.field, producer.outputs.map((f) => f.name)),
    });
    return null;
  };

  // 2. Wiring and types.
  const compiled = new Map<string, CompiledStep>();
  // File order, steps too broken to read included (their outputs are unknown).
  const order = spec.raw.steps && typeof spec.raw.steps === "object" ? Object.keys(spec.raw.steps) : spec.steps.map((s) => s.name);
  const knownOutputs = (stepName: string): Field[] | undefined => {
    const draft = drafts.get(stepName);
    if (draft) return draft.outputs;
    const step = spec.steps.find((s) => s.name === stepName);
    if (!step) return undefined;
    return MODULES.get(step.module)?.outputs(step.signature) ?? step.signature.outputs;
  };
  for (const [name, draft] of drafts) {
    const { step } = draft;
    const base = ["steps", name];
    const sources: Record<string, Ref> = {};
    const inputs: Field[] = [];
    let ok = true;
    const unwired = flawed.get(name);
    for (const field of step.signature.inputs) {
      let ref = step.wiring[field.name];
      if (!ref && (unwired === "all" || unwired?.has(field.name))) {
        ok = false; // its wiring entry is broken and reported; an implicit source would be a guess
        continue;
      }
      const pos = ref ? at([...base, "inputs", field.name]) : signatureFieldPos(source, [...base, "signature"], "inputs", field.name);
      const where = `step \`${name}\` input \`${field.name}\``;
      if (!ref) {
        const implicit = implicitSource(field.name, name, order, spec.inputs, knownOutputs);
        if (implicit.kind === "unknown" || (implicit.kind === "none" && !inputsKnown)) {
          ok = false; // an earlier step is too broken to say; its own problems are reported
          continue;
        }
        if (implicit.kind === "none") {
          problems.push({
            message: `${where} has no source: no program input and no earlier step output is named \`${field.name}\` (wire it: \`inputs: { ${field.name}: $<step>.<field> }\`)`,
            pos,
            hint: suggestionHint(field.name, [
              ...spec.inputs.map((i) => i.name),
              ...order.slice(0, order.indexOf(name)).flatMap((s) => (knownOutputs(s) ?? []).map((f) => f.name)),
            ]),
          });
          ok = false;
          continue;
        }
        if (implicit.kind === "ambiguous") {
          problems.push({
            message: `${where} is ambiguous: it could come from ${implicit.candidates.join(" or ")} (wire it explicitly under \`inputs:\`)`,
            pos,
          });
          ok = false;
          continue;
        }
        ref = implicit.ref;
      }
      if (ref.kind === "step" && ref.step === name) {
        problems.push({ message: `${where} reads the step's own output \`${refToString(ref)}\``, pos });
        ok = false;
        continue;
      }
      const from = producerType(ref, pos, where);
      if (from === null) {
        ok = false;
        continue;
      }
      sources[field.name] = ref;
      if (from === undefined) {
        inputs.push(field);
        continue;
      }
      if (!field.typed) {
        inputs.push({ ...field, type: from });
      } else {
        if (!isAssignable(from, field.type)) {
          problems.push({
            message: `${where} is ${typeToString(field.type)} but \`${refToString(ref)}\` produces ${typeToString(from)}`,
            pos,
          });
          ok = false;
        }
        inputs.push(field);
      }
    }
    checkDemos(draft, problems, at, source.keyPos.bind(source));
    // A step with wiring problems still takes part in the cycle check with the sources that resolved.
    if (!ok) flawed.set(name, flawed.get(name) ?? new Set());
    const signature = { inputs, outputs: step.signature.outputs };
    const deps = [...new Set(Object.values(sources).flatMap((r) => (r.kind === "step" ? [r.step] : [])))];
    compiled.set(name, {
      name,
      module: draft.module,
      spec: step,
      signature,
      outputs: draft.outputs,
      sources,
      deps,
      prepared: draft.options,
    });
  }

  // 3. Program outputs.
  const outputs: Graph["outputs"] = [];
  for (const out of spec.outputs) {
    const type = producerType(out.ref, out.pos, `output \`${out.name}\``);
    if (type) outputs.push({ name: out.name, ref: out.ref, type });
  }

  // 4. Cycles, then a dependency order that keeps file order among independent steps.
  const cycle = findCycle(compiled);
  if (cycle) {
    problems.push({
      message: `the steps form a cycle: ${cycle.join(" → ")} (a step cannot depend on its own output, directly or through others)`,
      pos: at(["steps", cycle[0]!]),
    });
  }

  // 5. LM names (program, steps, judges).
  checkModel(spec.lm, ["lm"], problems, at);
  for (const step of spec.steps) checkModel(step.lm, ["steps", step.name, "lm"], problems, at);
  forEachJudge(spec.metric, (lm, path) => checkModel(lm, path, problems, at), ["metric"]);

  // 6. One-time module preparation (indexes) of every step that compiled, so that a missing corpus
  // is reported with the file's other problems.
  for (const step of compiled.values()) {
    if (flawed.has(step.name)) continue;
    try {
      step.prepared = await step.module.prepare({ options: step.prepared, programDir: spec.dir, signature: step.signature });
    } catch (err) {
      const option = err instanceof ModuleOptionError ? err.option : undefined;
      problems.push({
        message: `${describePath(option ? ["steps", step.name, option] : ["steps", step.name])}: ${(err as Error).message}`,
        pos: option ? at(["steps", step.name, option]) : step.spec.pos,
      });
    }
  }
  if (problems.length > 0) return { problems };

  const steps = topoOrder(compiled, order);
  return {
    graph: { spec, steps, lmSteps: steps.filter((s) => s.module.usesLM).map((s) => s.name), outputs },
    problems,
  };
}

function optionKeysOf(module: AnyModule): string[] {
  const def = (module.options as unknown as { _zod: { def: { shape?: Record<string, unknown> } } })._zod.def;
  return Object.keys(def.shape ?? {});
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

function findCycle(steps: Map<string, CompiledStep>): string[] | undefined {
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

function topoOrder(steps: Map<string, CompiledStep>, fileOrder: string[]): CompiledStep[] {
  const out: CompiledStep[] = [];
  const placed = new Set<string>();
  while (out.length < steps.size) {
    const next = fileOrder.find((n) => steps.has(n) && !placed.has(n) && steps.get(n)!.deps.every((d) => placed.has(d)));
    if (!next) break;
    placed.add(next);
    out.push(steps.get(next)!);
  }
  return out;
}

function checkDemos(
  draft: Draft,
  problems: Problem[],
  at: (path: (string | number)[]) => SourcePos,
  keyPos: (path: (string | number)[], key: string) => SourcePos,
): void {
  const { step, outputs } = draft;
  if (step.demos.length > 0 && !draft.module.usesLM) {
    problems.push({ message: `step \`${step.name}\`: a ${draft.module.name} step uses no LM, so it takes no demos`, pos: at(["steps", step.name, "demos"]) });
    return;
  }
  const fields = [...step.signature.inputs, ...outputs];
  const names = fields.map((f) => f.name);
  step.demos.forEach((demo, i) => {
    const path = ["steps", step.name, "demos", i];
    for (const [key, value] of Object.entries(demo)) {
      const field = fields.find((f) => f.name === key);
      if (!field) {
        problems.push({
          message: `${describePath(path)}: \`${key}\` is not a field of this step (fields: ${names.join(", ")})`,
          pos: keyPos(path, key),
          hint: suggestionHint(key, names),
        });
        continue;
      }
      if (field.typed) {
        const r = coerceValue(field.type, value);
        if (!r.ok) problems.push({ message: `${describePath([...path, key])}: ${r.error}, got ${describeValue(value)}`, pos: at([...path, key]) });
      }
    }
    const missing = step.signature.outputs.filter((f) => !(f.name in demo)).map((f) => f.name);
    if (missing.length > 0) {
      problems.push({ message: `${describePath(path)}: a demo needs every output; missing ${missing.map((m) => `\`${m}\``).join(", ")}`, pos: at(path) });
    }
  });
}

function checkModel(
  lm: LMConfig | undefined,
  path: (string | number)[],
  problems: Problem[],
  at: (path: (string | number)[]) => SourcePos,
): void {
  if (!lm?.model) return;
  try {
    parseModelSpec(lm.model);
  } catch (err) {
    problems.push({ message: `${describePath(path)}: ${(err as Error).message}`, pos: at(path) });
  }
}

function forEachJudge(metric: MetricSpec, fn: (lm: LMConfig | undefined, path: (string | number)[]) => void, path: (string | number)[]): void {
  if (metric.kind === "llm_judge") fn(metric.lm, [...path, "llm_judge", "lm"]);
  if (metric.kind === "mean") metric.metrics.forEach((m, i) => forEachJudge(m, fn, [...path, "mean", i]));
  if (metric.kind === "weighted") metric.metrics.forEach((m, i) => forEachJudge(m.metric, fn, [...path, "weighted", i, "metric"]));
}
