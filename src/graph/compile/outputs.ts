import type { Problem } from "../../util/errors.js";
import type { ReadProgram } from "../../program/load.js";
import type { Graph } from "../types.js";
import type { Draft } from "./modules.js";
import { producerOf, scopeOf } from "./scope.js";

export interface OutputsResult {
  /** The program outputs whose producer is known, with its type. */
  outputs: Graph["outputs"];
  problems: Problem[];
}

/** Phase 4, outputs: each program output names a program input or a step output. */
export function checkOutputs(read: ReadProgram, drafts: ReadonlyMap<string, Draft>): OutputsResult {
  const scope = scopeOf(read, drafts);
  const outputs: Graph["outputs"] = [];
  const problems: Problem[] = [];
  for (const out of read.spec.outputs) {
    const producer = producerOf(out.ref, out.pos, `output \`${out.name}\``, scope);
    if (producer.kind === "field") outputs.push({ name: out.name, ref: out.ref, type: producer.type });
    else if (producer.kind === "none" && producer.problem) problems.push(producer.problem);
  }
  return { outputs, problems };
}
