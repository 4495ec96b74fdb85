import type { Problem, SourcePos } from "../../util/errors.js";
import { ModuleOptionError, type AnyModule } from "../../modules/types.js";
import type { ReadProgram } from "../../program/load.js";
import { describePath } from "../../program/zod-problems.js";
import type { Signature } from "../../signature/types.js";

/** A step ready for its module's one-time preparation. */
export interface Preparable {
  name: string;
  module: AnyModule;
  options: unknown;
  signature: Signature;
  pos: SourcePos;
}

export interface PrepareResult {
  /** Each prepared step's preparation (e.g. a search index), by step name. */
  prepared: Map<string, unknown>;
  problems: Problem[];
}

/**
 * Phase 6, prepare: each step's module does its one-time work (reads a corpus, builds an index), so
 * that a missing corpus is reported with the file's other problems. The only phase that reads files.
 */
export async function prepareModules(read: ReadProgram, steps: readonly Preparable[]): Promise<PrepareResult> {
  const prepared = new Map<string, unknown>();
  const problems: Problem[] = [];
  for (const step of steps) {
    try {
      prepared.set(step.name, await step.module.prepare({ options: step.options, programDir: read.spec.dir, signature: step.signature }));
    } catch (err) {
      const option = err instanceof ModuleOptionError ? err.option : undefined;
      problems.push({
        message: `${describePath(option ? ["steps", step.name, option] : ["steps", step.name])}: ${(err as Error).message}`,
        pos: option ? read.source.posOf(["steps", step.name, option]) : step.pos,
      });
    }
  }
  return { prepared, problems };
}
