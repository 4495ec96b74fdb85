import type { Demo } from "../program/types.js";
import type { AgentMeta, ToolCall, ToolSchema, TrajectoryStep } from "./tool-types.js";
import type { Signature } from "../signature/types.js";

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role | "tool";
  content: string;
  /** An assistant turn that called tools (native tool calling). */
  toolCalls?: ToolCall[];
  /** A `tool` turn: the id of the call whose result `content` is. */
  toolCallId?: string;
}

/** Structured-output request: a JSON schema the completion must satisfy. */
export interface ResponseFormat {
  type: "json_schema";
  name: string;
  schema: Record<string, unknown>;
}

export type Purpose = "predict" | "propose_instruction" | "reflect" | "judge" | "summarize_program" | "summarize_dataset";

/** What a grounded proposal (mipro) is shown besides the step and its examples. */
export interface Grounding {
  /** The program summary and the dataset summary the LM wrote earlier in the run. */
  program: string;
  dataset: string;
  /** The tip drawn for this proposal: "none", "creative", "simple", "description", "high_stakes" or "persona". */
  tip: string;
  /** For an agent (react) step: its tools and how the program used them on train examples. */
  agent?: AgentGrounding;
}

/** What a grounded proposal for an agent step is shown of its tools. */
export interface AgentGrounding {
  /** The tools the step may call: name, description and argument schema, as the agent is offered them. */
  tools: ToolSchema[];
  /** How the program used them on train examples (the teacher's runs), in train order. */
  uses: ToolUse[];
}

/** One run of an agent step on a train example: the step's inputs, the calls it made, and whether the example passed. */
export interface ToolUse {
  inputs: Record<string, unknown>;
  /** The tools it called, in order, with their arguments (finish and failed calls left out). */
  calls: { tool: string; args: Record<string, unknown> }[];
  /** Whether the example's final output passed the metric. */
  passed: boolean;
}

/** One observed example shown to a proposal/reflection/judge call, as structured data. */
export interface FeedbackRecord {
  inputs: Record<string, unknown>;
  /** What the program produced (absent when only gold examples are shown). */
  outputs?: Record<string, unknown>;
  /** Gold outputs, when the caller shows them. */
  expected?: Record<string, unknown>;
  score?: number;
  feedback?: string;
  /** For an agent (react) step: its iterations — which tool it called with what, and what came back. */
  trajectory?: TrajectoryStep[];
  /** What the program's steps without an LM (`function` steps) produced on this example, by step. */
  functionOutputs?: Record<string, Record<string, unknown>>;
}

/**
 * The structured view of a call. Real providers ignore it; `sim` reads only this, and traces keep it.
 * It must describe exactly what the messages say.
 */
export interface LMCallMeta {
  purpose: Purpose;
  /** The step being run (predict) or improved (propose/reflect). */
  step?: string;
  /** Which adapter rendered the messages, so `sim` answers in that format. */
  adapter: "chat" | "json";
  /** The signature whose outputs this call must produce (with `reasoning` for chain of thought). */
  signature: Signature;
  instruction: string;
  demos: Demo[];
  inputs: Record<string, unknown>;
  /** For propose_instruction / reflect: the step being improved and what was observed. */
  target?: {
    step: string;
    signature: Signature;
    instruction: string;
    records: FeedbackRecord[];
    /** For a grounded proposal: the summaries and the tip its prompt shows. */
    grounding?: Grounding;
  };
  /** For the calls of an agent (react) step: its tools and the trajectory so far. */
  agent?: AgentMeta;
}

export interface LMRequest {
  /** Client id, `provider:model`. */
  model: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens: number;
  responseFormat?: ResponseFormat;
  /** Distinguishes repeated samples of one prompt: part of the cache key, seeds `sim`. */
  sample: number;
  /** Tools offered for native tool calling (only to a client whose `toolCalling` is true). */
  tools?: ToolSchema[];
  /** `required`: the model must call one of `tools`. Default auto. */
  toolChoice?: "auto" | "required";
  meta: LMCallMeta;
}

export { addUsage, ZERO_USAGE, type Usage } from "./usage.js";
import type { Usage } from "./usage.js";

export interface LMResponse {
  text: string;
  usage: Usage;
  /** USD; null when the model's price is unknown (never shown as 0). */
  costUsd: number | null;
  /** Answered from the cache: cost nothing. */
  cached: boolean;
  /**
   * What the call cost when it was really made (for a cache hit: the original call's cost). Budgets
   * count this, so a resumed run, answered from the cache, decides exactly as the first run did.
   */
  nominalCostUsd?: number | null;
  latencyMs: number;
  /** The model that answered, as the provider reports it. */
  model: string;
  /** The tools the model called (native tool calling); `text` may then be empty. */
  toolCalls?: ToolCall[];
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Anything that answers LM requests: a provider, or a wrapper (cache, scheduler) around one. */
export interface LMClient {
  /** `provider:model`, e.g. `sim`, `openai:gpt-4.1-mini`. */
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  /** Whether `responseFormat` is honoured natively (else the json adapter prompts for JSON only). */
  readonly structuredOutput: boolean;
  /**
   * Whether requests may carry `tools` (native tool calling). False for `sim` and for an endpoint
   * that rejected them once (the agent then uses the text protocol).
   */
  readonly toolCalling?: boolean;
  complete(request: LMRequest, options?: CallOptions): Promise<LMResponse>;
  /** Told that the completion given for `request` could not be read (a caching client marks its entry). */
  unreadable?(request: LMRequest, reason: string): void;
}

/** What a trace keeps of one LM call. */
export interface LMCallRecord {
  model: string;
  adapter: "chat" | "json";
  purpose: Purpose;
  usage: Usage;
  costUsd: number | null;
  cached: boolean;
  /** The original call's cost, for cache hits (see LMResponse.nominalCostUsd). */
  nominalCostUsd?: number | null;
  latencyMs: number;
  /** The raw completion text; absent in a trace kept without traces (--no-traces, or dropped by `dspx gc`). */
  text?: string;
  /** Why the completion could not be read, when it could not. */
  parseError?: string;
  /** The tools the model called, for a native tool-calling request. */
  toolCalls?: ToolCall[];
  /**
   * The rendered messages sent (the request's own array, not a copy). Only in memory: the store keeps
   * them once per content hash, and a trace read back carries `messagesHash` instead.
   */
  messages?: ChatMessage[];
  /** A trace read back from the store: the blob listing the messages sent (see store/blobs.ts). */
  messagesHash?: string;
}
