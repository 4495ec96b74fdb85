import type { z } from "zod";
import type { LMCallRecord, LMClient } from "../lm/types.js";
import type { StepState } from "../program/state.js";
import type { Field, Signature } from "../signature/types.js";
import type { StepTools } from "../tools/types.js";
import type { TrajectoryStep } from "../lm/tool-types.js";

/** What the executor gives an LM step for one call. */
export interface StepRuntime {
  lm: LMClient;
  temperature: number;
  maxTokens: number;
  sample: number;
  signal?: AbortSignal;
}

export interface ModuleRunArgs<Prepared> {
  step: string;
  /** The step's effective signature (input types refined from their producers). */
  signature: Signature;
  prepared: Prepared;
  /** Instruction and demos, for LM modules. */
  state: StepState;
  inputs: Record<string, unknown>;
  /** Present for LM modules only. */
  runtime?: StepRuntime;
  /** The tools the step names (see ModuleDef.toolRefs); present when it names any. */
  tools?: StepTools;
  /** Aborted when the example's work must end (the command quits, a library caller aborts). */
  signal?: AbortSignal;
}

export interface ModuleOutcome {
  outputs: Record<string, unknown>;
  calls: LMCallRecord[];
  /** An agent step's iterations, in order. */
  trajectory?: TrajectoryStep[];
}

/**
 * How one kind of step turns inputs into outputs. Adding a module is one file exporting one of
 * these, listed in registry.ts.
 */
export interface ModuleDef<Options = unknown, Prepared = unknown> {
  readonly name: string;
  readonly summary: string;
  /** LM modules are the ones optimizers tune (instruction + demos). */
  readonly usesLM: boolean;
  /** Strict schema of the module's own step keys (e.g. retrieve's `corpus`, `k`). */
  readonly options: z.ZodType<Options>;
  /** Problems with the signature for this module, in words. */
  checkSignature(signature: Signature): string[];
  /** The fields the step produces, in order (chain of thought puts `reasoning` first). */
  outputs(signature: Signature): Field[];
  /**
   * One-time work before running (load an index). A ModuleOptionError is reported at the option it
   * names, any other Error at the step.
   */
  prepare(args: { options: Options; programDir: string; signature: Signature }): Promise<Prepared>;
  /**
   * What the step's behaviour depends on beyond its spec (a corpus's contents, say): part of the
   * evaluation memo key, so changing it invalidates memoized results. Default: the options.
   */
  fingerprint?(prepared: Prepared): string;
  /** Keys a demo may hold beyond the step's fields (react's `trajectory`), each with the schema its value must match. */
  readonly demoKeys?: Readonly<Record<string, z.ZodType>>;
  /** The program tools (`tools:` refs) the step calls, from its options: checked by compile, given to run as `tools`. */
  toolRefs?(options: Options): string[];
  run(args: ModuleRunArgs<Prepared>): Promise<ModuleOutcome>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = ModuleDef<any, any>;

/** One of a step's options cannot be used (e.g. its corpus file is missing); reported at that option. */
export class ModuleOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = "ModuleOptionError";
  }
}
