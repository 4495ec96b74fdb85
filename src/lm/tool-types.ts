import type { Usage } from "./usage.js";

/**
 * The data of tool use as the LM layer sees it: what a request offers the model, what the model
 * asks for, and the trajectory an agent step has walked so far (which `sim` reads from `meta`).
 * Loading and running tools is src/tools/; the agent loop is src/modules/react.ts.
 */

/** A tool as offered to a model: its name (letters, digits, `_`, `-`), what it does and its JSON Schema. */
export interface ToolSchema {
  name: string;
  description: string;
  /** A JSON Schema of type object. */
  parameters: Record<string, unknown>;
}

/** A tool call the model asked for (native tool calling). */
export interface ToolCall {
  /** The provider's id for the call, echoed back with its result. */
  id: string;
  name: string;
  /** The arguments as the model wrote them: JSON text, not yet parsed or checked. */
  arguments: string;
}

/** The name an agent step's LM gives to end the loop instead of calling a tool. */
export const FINISH_TOOL = "finish";

/** One iteration of an agent step: what the model thought and chose, and what came back. */
export interface TrajectoryStep {
  thought: string;
  /** The tool called, or FINISH_TOOL. */
  tool: string;
  /** The arguments as read (an empty object when they could not be read). */
  args: Record<string, unknown>;
  /** What the model is shown next: the tool's result (truncated), or what was wrong. */
  observation: string;
  /** Set when the iteration failed: unknown tool, unreadable or invalid arguments, the tool threw or timed out. */
  error?: string;
  /** The tool's result came from the store (replay or resume), so the tool was not called. */
  replayed?: boolean;
  /** Tokens of this iteration's LM call(s). */
  usage?: Usage;
  /** Time in the LM call(s) and in the tool, milliseconds. */
  lmLatencyMs?: number;
  toolLatencyMs?: number;
}

/** What an agent step's calls tell `sim` beyond the signature (LMCallMeta.agent). */
export interface AgentMeta {
  /** `act`: choose the next tool (or finish); `extract`: write the step's outputs from the trajectory. */
  phase: "act" | "extract";
  /** The tools the step may call (FINISH_TOOL not included). */
  tools: ToolSchema[];
  trajectory: TrajectoryStep[];
  maxIters: number;
}
