import type { LMCallMeta, LMCallRecord, LMClient, LMRequest, Purpose } from "../lm/types.js";
import { lmCallRecord } from "../lm/call-record.js";
import type { Demo } from "../program/types.js";
import type { Signature } from "../signature/types.js";
import { chatAdapter } from "./chat.js";
import { jsonAdapter } from "./json.js";
import type { Adapter, ParseResult } from "./types.js";
import type { AgentMeta } from "../lm/tool-types.js";

export interface PredictCall {
  lm: LMClient;
  /** Outputs in order (chain of thought has already prepended `reasoning`). */
  signature: Signature;
  instruction: string;
  demos: Demo[];
  inputs: Record<string, unknown>;
  /** "predict" for program steps. */
  purpose: Purpose;
  step?: string;
  /** For propose/reflect calls: the step being improved and what was observed. */
  target?: LMCallMeta["target"];
  /** For the calls of an agent step: its tools and trajectory. */
  agent?: AgentMeta;
  temperature: number;
  maxTokens: number;
  sample: number;
  signal?: AbortSignal;
}

export interface PredictResult {
  values: Record<string, unknown>;
  /** Every LM call made, in order: one, or two when the json fallback was needed. */
  calls: LMCallRecord[];
}

/** Neither the chat completion nor the json retry could be read. */
export class ParseFailure extends Error {
  /** The last raw completion. */
  readonly raw: string;
  readonly calls: LMCallRecord[];
  constructor(message: string, raw: string, calls: LMCallRecord[]) {
    super(message);
    this.name = "ParseFailure";
    this.raw = raw;
    this.calls = calls;
  }
}

/**
 * One LM step: render with the chat adapter, call, parse; if the completion cannot be read, ask
 * once more with the json adapter (structured output where the client has it). Errors from the
 * client propagate unchanged.
 */
export async function predict(call: PredictCall): Promise<PredictResult> {
  const first = await attempt(call, chatAdapter);
  if (first.parsed.ok) return { values: first.parsed.values, calls: [first.record] };

  call.signal?.throwIfAborted();
  const second = await attempt(call, jsonAdapter);
  const calls = [first.record, second.record];
  if (second.parsed.ok) return { values: second.parsed.values, calls };

  const message = `could not read the LM's answer: chat: ${first.parsed.error}; json: ${second.parsed.error}`;
  throw new ParseFailure(message, second.raw, calls);
}

interface Attempt {
  parsed: ParseResult;
  /** The completion text. */
  raw: string;
  record: LMCallRecord;
}

async function attempt(call: PredictCall, adapter: Adapter): Promise<Attempt> {
  const request = buildRequest(call, adapter);
  const response = await call.lm.complete(request, call.signal ? { signal: call.signal } : undefined);
  const parsed = adapter.parse(call.signature, response.text);
  if (!parsed.ok) call.lm.unreadable?.(request, parsed.error);
  return { parsed, raw: response.text, record: lmCallRecord(request, response, parsed.ok ? undefined : parsed.error) };
}

export function buildRequest(call: PredictCall, adapter: Adapter): LMRequest {
  const { signature, instruction, demos, inputs } = call;
  const rendered = adapter.render({ signature, instruction, demos, inputs }, { structuredOutput: call.lm.structuredOutput });
  const meta: LMCallMeta = { purpose: call.purpose, adapter: adapter.name, signature, instruction, demos, inputs };
  if (call.step !== undefined) meta.step = call.step;
  if (call.target !== undefined) meta.target = call.target;
  if (call.agent !== undefined) meta.agent = call.agent;
  const request: LMRequest = {
    model: call.lm.id,
    messages: rendered.messages,
    temperature: call.temperature,
    maxTokens: call.maxTokens,
    sample: call.sample,
    meta,
  };
  if (rendered.responseFormat) request.responseFormat = rendered.responseFormat;
  return request;
}

