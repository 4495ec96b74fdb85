import { z } from "zod";
import type { Problem } from "../../util/errors.js";
import { suggestionHint } from "../../util/suggest.js";
import { MODULES } from "../../modules/registry.js";
import type { AnyModule } from "../../modules/types.js";
import { STEP_BASE_KEYS } from "../../program/schema.js";
import type { ReadProgram } from "../../program/load.js";
import type { StepSpec } from "../../program/types.js";
import { describePath, zodProblems } from "../../program/zod-problems.js";
import type { Field } from "../../signature/types.js";

/** A step whose module is known and whose signature suits it: what the later phases check and compile. */
export interface Draft {
  step: StepSpec;
  module: AnyModule;
  /** The module's options as parsed (undefined when they did not parse). */
  options: unknown;
  /** Everything the step outputs (chain of thought: `reasoning` first). */
  outputs: Field[];
}

export interface ModulesResult {
  /** Keyed by step name, in file order. */
  drafts: Map<string, Draft>;
  problems: Problem[];
  /** Drafts with problems in their options: checked further, never prepared. */
  flawed: Set<string>;
}

/**
 * Phase 1, modules: every step's module and its options (broken steps too, so all problems show at
 * once), and for the steps whose signature parsed, whether the module takes that signature.
 */
export function checkModules(read: ReadProgram): ModulesResult {
  const { spec, source } = read;
  const problems: Problem[] = [];
  const drafts = new Map<string, Draft>();
  const flawed = new Set<string>();
  const moduleNames = [...MODULES.keys()];
  const specs = new Map(spec.steps.map((s) => [s.name, s]));
  for (const [name, { module: moduleName, options }] of read.stepModules) {
    const base = ["steps", name];
    const module = MODULES.get(moduleName);
    if (!module) {
      problems.push({
        message: `${describePath([...base, "module"])}: unknown module \`${moduleName}\` (expected one of: ${moduleNames.join(", ")})`,
        pos: source.posOf([...base, "module"]),
        hint: suggestionHint(moduleName, moduleNames),
      });
      // Without the module its own keys are unknown, but a near-miss of a common key is still a typo.
      for (const key of Object.keys(options)) {
        const hint = suggestionHint(key, STEP_BASE_KEYS);
        if (hint) problems.push({ message: `unknown key \`${key}\` in ${describePath(base)}`, pos: source.keyPos(base, key), hint });
      }
      continue;
    }
    const optionProblems: Problem[] = [];
    const optionKeys = optionKeysOf(module);
    const known = [...STEP_BASE_KEYS, ...optionKeys];
    for (const key of Object.keys(options)) {
      if (optionKeys.includes(key)) continue;
      optionProblems.push({
        message: `unknown key \`${key}\` in ${describePath(base)} (a ${module.name} step takes: ${known.join(", ")})`,
        pos: source.keyPos(base, key),
        hint: suggestionHint(key, known),
      });
    }
    const own = Object.fromEntries(Object.entries(options).filter(([k]) => optionKeys.includes(k)));
    const parsed = module.options.safeParse(own);
    if (!parsed.success) optionProblems.push(...zodProblems(parsed.error.issues, source, base, module.options, own));
    problems.push(...optionProblems);
    const step = specs.get(name);
    if (!step) continue;
    const signatureProblems = module.checkSignature(step.signature).map((message) => ({
      message: `${describePath([...base, "signature"])}: ${message}`,
      pos: source.posOf([...base, "signature"]),
    }));
    problems.push(...signatureProblems);
    if (signatureProblems.length > 0) continue;
    // A step with bad options is still checked for its wiring and outputs, so those problems show
    // with the rest; it is never prepared or run.
    if (optionProblems.length > 0) flawed.add(name);
    drafts.set(name, { step, module, options: parsed.data, outputs: module.outputs(step.signature) });
  }
  return { drafts, problems, flawed };
}

/** The keys a module's options schema names (a module with a non-object schema takes none). */
function optionKeysOf(module: AnyModule): string[] {
  return module.options instanceof z.ZodObject ? Object.keys(module.options.shape) : [];
}
