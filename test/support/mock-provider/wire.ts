import type { MockApi } from "./types.js";

/** Provider-shaped bodies: successes, errors, model lists. */

export interface WireUsage {
  /** All prompt tokens, cached ones included. */
  prompt: number;
  completion: number;
  cached: number;
}

/** A function call in OpenAI's wire format (arguments as JSON text). */
export interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A chat completion; with `toolCalls`, the message calls them (content null when there is no text) and finishes for them. */
export function openaiCompletion(id: string, model: string, content: string, usage: WireUsage, toolCalls?: WireToolCall[]): unknown {
  const calling = toolCalls !== undefined && toolCalls.length > 0;
  const message = calling
    ? {
        role: "assistant",
        content: content === "" ? null : content,
        refusal: null,
        annotations: [],
        tool_calls: toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      }
    : { role: "assistant", content, refusal: null, annotations: [] };
  return {
    id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: calling ? "tool_calls" : "stop",
      },
    ],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
      prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: "default",
    system_fingerprint: "fp_mock",
  };
}

export type AnthropicBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown };

export function anthropicMessage(id: string, model: string, content: AnthropicBlock[], usage: WireUsage): unknown {
  const toolUse = content.some((b) => b.type === "tool_use");
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: toolUse ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: {
      // Anthropic's input_tokens leaves out the tokens read from the cache.
      input_tokens: Math.max(0, usage.prompt - usage.cached),
      output_tokens: usage.completion,
      cache_read_input_tokens: usage.cached,
      cache_creation_input_tokens: 0,
      service_tier: "standard",
    },
  };
}

const CREDIT_MESSAGE = "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.";
const QUOTA_MESSAGE =
  "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.";

/**
 * `{ error: { message, type, param, code } }` with OpenAI's usual type/code/message for the
 * status (and code) where not given.
 */
export function openaiError(status: number, given: { type?: string; code?: string; message?: string }, model: string): unknown {
  let type: string;
  let code: string | null = null;
  let message: string;
  if (given.code === "insufficient_quota") {
    type = "insufficient_quota";
    code = "insufficient_quota";
    message = QUOTA_MESSAGE;
  } else if (given.code === "model_not_found" || (status === 404 && given.code === undefined)) {
    type = "invalid_request_error";
    code = "model_not_found";
    message = `The model \`${model}\` does not exist or you do not have access to it.`;
  } else if (status === 401) {
    type = "invalid_request_error";
    code = "invalid_api_key";
    message = "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.";
  } else if (status === 403) {
    type = "invalid_request_error";
    message = "You are not allowed to sample from this model.";
  } else if (status === 429) {
    type = "requests";
    code = "rate_limit_exceeded";
    message = `Rate limit reached for ${model} on requests per min (RPM). Please try again later.`;
  } else if (status >= 500) {
    type = "server_error";
    message = status === 503 ? "The server is overloaded or not ready yet." : "The server had an error while processing your request. Sorry about that!";
  } else {
    type = "invalid_request_error";
    message = "Invalid request.";
  }
  return {
    error: {
      message: given.message ?? message,
      type: given.type ?? type,
      param: null,
      code: given.code ?? code,
    },
  };
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const ANTHROPIC_MESSAGES: Record<string, string> = {
  invalid_request_error: "Invalid request.",
  authentication_error: "invalid x-api-key",
  permission_error: "Your API key does not have permission to use the specified resource.",
  request_too_large: "Request exceeds the maximum allowed number of bytes.",
  rate_limit_error: "This request would exceed the rate limit for your organization. Please try again later.",
  api_error: "Internal server error",
  overloaded_error: "Overloaded",
};

/**
 * `{ type: "error", error: { type, message }, request_id }` with Anthropic's usual type/message for
 * the status where not given. `code: "insufficient_quota"` (or `"credit_balance_too_low"`) stands
 * for the credit-balance error (an invalid_request_error).
 */
export function anthropicError(status: number, given: { type?: string; code?: string; message?: string }, model: string, requestId: string): unknown {
  const credit = given.code === "insufficient_quota" || given.code === "credit_balance_too_low";
  const type = given.type ?? (credit ? "invalid_request_error" : (ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error")));
  const message = given.message ?? (credit ? CREDIT_MESSAGE : type === "not_found_error" ? `model: ${model}` : (ANTHROPIC_MESSAGES[type] ?? "Error"));
  return { type: "error", error: { type, message }, request_id: requestId };
}

export function providerError(api: MockApi, status: number, given: { type?: string; code?: string; message?: string }, model: string, requestId: string): unknown {
  return api === "openai" ? openaiError(status, given, model) : anthropicError(status, given, model, requestId);
}

export const MOCK_MODELS = {
  openai: ["gpt-4.1-mini", "gpt-4.1", "gpt-4o-mini", "gpt-4o"],
  anthropic: ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"],
};

export function modelList(api: MockApi): unknown {
  if (api === "openai") {
    return { object: "list", data: MOCK_MODELS.openai.map((id) => openaiModel(id)) };
  }
  const data = MOCK_MODELS.anthropic.map((id) => anthropicModel(id));
  return { data, has_more: false, first_id: data[0]!.id, last_id: data[data.length - 1]!.id };
}

export function openaiModel(id: string): unknown {
  return { id, object: "model", created: 1_700_000_000, owned_by: "mock" };
}

export function anthropicModel(id: string): { type: "model"; id: string; display_name: string; created_at: string } {
  return { type: "model", id, display_name: id, created_at: "2025-01-01T00:00:00Z" };
}
