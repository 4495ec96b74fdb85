import type { Problem } from "../util/errors.js";
import type { ReadProgram } from "../program/load.js";
import { checkModules } from "./compile/modules.js";
import { checkModels } from "./compile/models.js";
import { checkOutputs } from "./compile/outputs.js";
import { prepareModules } from "./compile/prepare.js";
import { prepareTools } from "./compile/tools.js";
import { fileOrder, resolveReferences } from "./compile/references.js";
import { checkTypes } from "./compile/typecheck.js";
import type { CompiledStep, Graph } from "./types.js";

/**
 * Compiles a read program into a graph, in phases that each return their problems: modules and
 * their options, references (wiring, explicit and implicit, and cycles), types (and demos), program
 * outputs, model names, and last the modules' one-time preparation and the program's tools (the
 * only I/O: MCP servers are started then, and stopped again when the program has problems). Every phase runs
 * whatever the earlier ones found, so the user sees every problem of the file at once; `graph` is
 * set only when there are none.
 */
export async function compileProgram(read: ReadProgram): Promise<{ graph?: Graph; problems: Problem[] }> {
  const { spec } = read;
  const modules = checkModules(read);
  const references = resolveReferences(read, modules.drafts);
  const types = checkTypes(read, modules.drafts, references.wiring);
  const outputs = checkOutputs(read, modules.drafts);
  const models = checkModels(read);

  // A step with problems of its own (schema, options, wiring, types) is checked but never prepared.
  const flawed = new Set([...read.flawedSteps.keys(), ...modules.flawed, ...references.unresolved, ...types.mismatched]);
  const preparable = [...modules.drafts.values()]
    .filter(({ step }) => !flawed.has(step.name))
    .map(({ step, module, options }) => ({ name: step.name, module, options, signature: types.signatures.get(step.name)!, pos: step.pos }));
  const [prepare, tools] = await Promise.all([prepareModules(read, preparable), prepareTools(read, modules.drafts)]);

  const problems = [
    ...read.problems,
    ...modules.problems,
    ...references.problems,
    ...types.problems,
    ...outputs.problems,
    ...models,
    ...prepare.problems,
    ...tools.problems,
  ];
  if (problems.length > 0) {
    await tools.tools.close();
    return { problems };
  }

  const compiled = new Map<string, CompiledStep>();
  for (const [name, draft] of modules.drafts) {
    const wiring = references.wiring.get(name)!;
    compiled.set(name, {
      name,
      module: draft.module,
      spec: draft.step,
      signature: types.signatures.get(name)!,
      outputs: draft.outputs,
      sources: wiring.sources,
      deps: wiring.deps,
      prepared: prepare.prepared.get(name),
      ...(tools.stepTools.has(name) ? { tools: tools.stepTools.get(name)! } : {}),
    });
  }
  const steps = topoOrder(compiled, fileOrder(read));
  return { graph: { spec, steps, lmSteps: steps.filter((s) => s.module.usesLM).map((s) => s.name), outputs: outputs.outputs, tools: tools.tools }, problems };
}

/** A dependency order that keeps file order among independent steps. */
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
