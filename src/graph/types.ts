import type { AnyModule } from "../modules/types.js";
import type { LoadedTool, ProgramTools } from "../tools/toolset.js";
import type { ProgramSpec, Ref, StepSpec } from "../program/types.js";
import type { Field, FieldType, Signature } from "../signature/types.js";

export interface CompiledStep {
  name: string;
  module: AnyModule;
  spec: StepSpec;
  /** The signature with untyped inputs refined to their producers' types. */
  signature: Signature;
  /** Everything the step outputs (chain of thought: `reasoning` first). */
  outputs: Field[];
  /** Where each input field's value comes from. */
  sources: Record<string, Ref>;
  /** Steps whose outputs this step reads. */
  deps: string[];
  /** The module's validated options and one-time preparation (e.g. a search index). */
  prepared: unknown;
  /** The program tools the step calls (its module's `toolRefs`), when it names any. */
  tools?: readonly LoadedTool[];
}

/** A compiled program: steps in a dependency order (file order among independent ones). */
export interface Graph {
  spec: ProgramSpec;
  steps: CompiledStep[];
  /** Names of the steps optimizers tune (LM modules), in graph order. */
  lmSteps: string[];
  outputs: { name: string; ref: Ref; type: FieldType }[];
  /** The program's loaded tools (MCP servers running): closed with the program. */
  tools: ProgramTools;
}
