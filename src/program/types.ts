import type { SourcePos } from "../util/errors.js";
import type { Field, Signature } from "../signature/types.js";

/** A reference from a step input or program output to where its value comes from. */
export type Ref =
  | { kind: "input"; field: string }
  | { kind: "step"; step: string; field: string };

/** LM settings from a program's `lm:` (a model string or a mapping). */
export interface LMConfig {
  /** `provider:model`, e.g. `openai:gpt-4.1-mini`, `sim`. */
  model?: string;
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  rpm?: number;
  tpm?: number;
  /** USD per million tokens, overriding the built-in price table for this model. */
  prices?: { input: number; cachedInput?: number; output: number };
}

/** A demo as written in a program or learned by an optimizer: input and output fields side by side. */
export type Demo = Record<string, unknown>;

export interface StepSpec {
  name: string;
  module: string;
  signature: Signature;
  instruction: string;
  demos: Demo[];
  /** Explicit wiring: step input field → where it comes from (`$inputs.x`, `$step.field`). */
  wiring: Record<string, Ref>;
  /** Per-step LM override (same forms as the program's `lm:`). */
  lm?: LMConfig;
  /** Module-specific options (e.g. retrieve's `corpus` and `k`), validated by the module. */
  options: Record<string, unknown>;
  pos: SourcePos;
}

export type MetricSpec =
  | { kind: "exact_match"; field: string; gold: string }
  | { kind: "f1"; field: string; gold: string }
  | { kind: "contains"; field: string; gold: string }
  | { kind: "regex"; field: string; pattern: string; flags: string }
  | { kind: "numeric"; field: string; gold: string; tolerance: number; relative: boolean }
  | { kind: "json_equal"; field: string; gold: string }
  | { kind: "mean"; metrics: MetricSpec[] }
  | { kind: "weighted"; metrics: { weight: number; metric: MetricSpec }[] }
  | {
      kind: "llm_judge";
      field: string;
      gold?: string;
      rubric: string;
      lm?: LMConfig;
    }
  | { kind: "custom"; module: string; export: string };

/** Where a declared tool comes from: a module's export, or an MCP server's tools. */
export type ToolSource =
  | { kind: "module"; module: string; export: string }
  | { kind: "mcp"; command: string; args: string[]; env: Record<string, string>; cwd?: string; tools?: string[] };

/** One entry of the program's `tools:` (a server's entry stands for several tools). */
export interface ToolDecl {
  name: string;
  source: ToolSource;
  /** Default true; false: always called, never answered from the store. */
  cache?: boolean;
  timeoutMs?: number;
  pos: SourcePos;
}

export interface DataPaths {
  train?: string;
  dev?: string;
  test?: string;
}

export type SplitName = keyof DataPaths;

/** Whether a dataset label names a split of the program's data section (else it is a file). */
export function isSplitName(name: string): name is SplitName {
  return name === "train" || name === "dev" || name === "test";
}

/** The structure the user wrote, validated. Never mutated after loading. */
export interface ProgramSpec {
  /** Absolute path of the program file. */
  file: string;
  /** Its directory: relative paths inside the file are resolved from here. */
  dir: string;
  /** sha256 of the file's text. */
  sourceHash: string;
  /** The file's text, kept with runs so a result can be exported even after the file changes. */
  sourceText: string;
  /** The parsed YAML document as plain data, kept for exports. */
  raw: Record<string, unknown>;
  name: string;
  description?: string;
  lm?: LMConfig;
  inputs: Field[];
  outputs: { name: string; ref: Ref; pos: SourcePos }[];
  steps: StepSpec[];
  metric: MetricSpec;
  /** The `tools:` section, in file order (loaded and checked by compile). */
  tools: ToolDecl[];
  /** Absolute paths. */
  data: DataPaths;
  /** The `optimize:` section as written (validated by optimize/settings.ts: program/ knows no optimizers). */
  optimize?: Record<string, unknown>;
  /** Source positions of YAML paths such as `steps.route.inputs.message`, for compile errors. */
  positions: Map<string, SourcePos>;
  /** Where the key of each of those paths is written (`optimize.gepaa` → `gepaa`), for unknown-key errors. */
  keyPositions?: Map<string, SourcePos>;
}
