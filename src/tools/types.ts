import type { ToolSchema } from "../lm/tool-types.js";

/**
 * The tools a program declares (`tools:`), loaded: what a step may call and how to call it.
 * Loading (module exports, MCP servers) lives beside this file; the agent loop is modules/react.ts.
 */

/** Where a tool came from, for `dspx validate`, messages and its identity. */
export type ToolOrigin =
  | { kind: "module"; file: string; export: string }
  | { kind: "mcp"; server: string; command: string; args: string[]; tool: string };

export interface ToolSpec extends ToolSchema {
  /** How steps name it in the program file: `lookup_order`, or `policies.find_policy` for a server's tool. */
  ref: string;
  /**
   * The tool's source: module path + export + content hash, or server command + tool name + schema
   * hash. With the canonical arguments it keys the tool's recorded results.
   */
  identity: string;
  /** False for a tool with side effects or live data: always called, never answered from the store. */
  cache: boolean;
  /** Per-call timeout, milliseconds (default 30 s). */
  timeoutMs: number;
  origin: ToolOrigin;
}

export interface ToolCallOptions {
  signal?: AbortSignal;
}

/**
 * What one tool call came to. A bad name, arguments that do not fit the schema, an exception or a
 * timeout are `ok: false` with the reason in words: the agent shows it to the model as the observation.
 */
export type ToolOutcome =
  | { ok: true; /** The result as text (JSON for structured results), not truncated. */ observation: string; replayed: boolean; latencyMs: number }
  | { ok: false; error: string; replayed: boolean; latencyMs: number };

/** The tools one step may call. */
export interface StepTools {
  /** The step's tools, in the order the step names them. */
  readonly specs: readonly ToolSpec[];
  /**
   * Calls a tool by its `name` (as offered to the model). Never throws for the tool's own failures
   * (see ToolOutcome); throws only when the command is being stopped (InterruptedError, AbortError).
   */
  call(name: string, args: unknown, options?: ToolCallOptions): Promise<ToolOutcome>;
}
