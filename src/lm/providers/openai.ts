import type OpenAI from "openai";
import { LMCallError } from "../call-error.js";
import type { Prices } from "../pricing.js";
import type { AttemptContext, AttemptResult } from "../scheduler/types.js";
import type { ChatMessage, LMRequest, LMResponse, Usage } from "../types.js";
import type { ToolCall } from "../tool-types.js";
import { requestSignal } from "../scheduler/abort-watch.js";
import { aborted, classifyHttpFailure, malformed, unreachable } from "./classify.js";
import { openaiRateLimit, rateLimitOf } from "./headers.js";
import type { ProviderClient } from "./types.js";
import { publicEndpoint, sdkBaseUrl, urlSecrets } from "../resolve.js";
import { scrubbingErrors } from "./scrub.js";
import { once } from "../../util/once.js";
import { estimateUsage } from "../tokens.js";
import { offeredTools } from "../offered-tools.js";
import { answered } from "./answered.js";

export interface OpenAIProviderOptions {
  provider: "openai" | "ollama";
  model: string;
  apiKey: string;
  baseURL: string;
  /** Official OpenAI (newer parameters, json_schema) rather than a compatible server. */
  official: boolean;
  structuredOutput: boolean;
  prices: Prices | undefined;
}

/** Reasoning models take no temperature and count `max_completion_tokens`. */
function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

/** OpenAI chat completions, and any server that speaks them (vLLM, llama.cpp, LM Studio, Ollama). */
export class OpenAIProvider implements ProviderClient {
  readonly provider: string;
  readonly model: string;
  readonly endpoint: string;
  readonly structuredOutput: boolean;
  /** OpenAI and the compatible servers that accept `tools`; one that refuses them says so (ToolsUnsupportedError). */
  readonly toolCalling = true;
  /** What error text must never show: the key in use and what the base URL carries (user, password, query). */
  private readonly secrets: readonly string[];
  /** The SDK and its client, imported at the first request (a command on sim never loads it). */
  private readonly sdk: () => Promise<{ OpenAI: typeof OpenAI; client: OpenAI }>;

  constructor(private readonly options: OpenAIProviderOptions) {
    this.provider = options.provider;
    this.model = options.model;
    // Credentials a base URL may carry (user:password@, ?api-key=) stay out of messages and keys.
    this.endpoint = publicEndpoint(options.baseURL);
    this.structuredOutput = options.structuredOutput;
    this.secrets = [options.apiKey, ...urlSecrets(options.baseURL)];
    // Retries and timeouts are the scheduler's: the SDK makes exactly one attempt.
    this.sdk = once(async () => {
      const { default: OpenAI } = await import("openai");
      return { OpenAI, client: new OpenAI({ apiKey: options.apiKey, ...sdkBaseUrl(options.baseURL), maxRetries: 0, timeout: 24 * 3600_000 }) };
    });
  }

  /** One try of a request; whatever it throws is scrubbed of secrets before anyone prints or stores it. */
  attempt(request: LMRequest, context: AttemptContext): Promise<AttemptResult<LMResponse>> {
    return scrubbingErrors(this.secrets, () => this.send(request, context));
  }

  private async send(request: LMRequest, { signal, timeoutMs }: AttemptContext): Promise<AttemptResult<LMResponse>> {
    const reasoning = this.options.official && isReasoningModel(this.model);
    const tools = offeredTools(request);
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: request.messages.map(openaiMessage),
      ...(reasoning ? {} : { temperature: request.temperature }),
      ...(this.options.official ? { max_completion_tokens: request.maxTokens } : { max_tokens: request.maxTokens }),
      ...(request.responseFormat && this.structuredOutput
        ? {
            response_format: {
              type: "json_schema",
              json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema, strict: true },
            },
          }
        : {}),
      ...(tools
        ? {
            tools: tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description, parameters: t.parameters } })),
            // Sent even when "auto" (OpenAI's default): a server that cannot choose tools itself
            // (vLLM without --enable-auto-tool-choice) then says so instead of ignoring them.
            tool_choice: request.toolChoice ?? "auto",
          }
        : {}),
    };
    const { OpenAI: sdk, client } = await this.sdk();
    const own = requestSignal(signal);
    const began = performance.now();
    let data: OpenAI.Chat.ChatCompletion;
    let headers: Headers;
    try {
      const r = await client.chat.completions.create(body, { timeout: timeoutMs, ...(own.signal ? { signal: own.signal } : {}) }).withResponse();
      data = r.data;
      headers = r.response.headers;
    } catch (err) {
      throw this.classify(err, sdk, tools !== undefined);
    } finally {
      own.release();
    }
    const latencyMs = performance.now() - began;
    const choice = Array.isArray(data?.choices) ? data.choices[0] : undefined;
    if (!choice || typeof choice.message !== "object" || choice.message === null) throw malformed(this.provider, "no choices");
    if (choice.message.refusal) throw new LMCallError("rejected", `${this.provider}: the model refused: ${choice.message.refusal}`);
    const toolCalls = toolCallsOf(choice.message.tool_calls);
    const content = choice.message.content;
    if (typeof content !== "string" && !(toolCalls.length > 0 && content == null)) throw malformed(this.provider, "no message content");
    const text = content ?? "";
    if (text.trim() === "" && toolCalls.length === 0) {
      if (choice.finish_reason === "length") throw new LMCallError("rejected", `${this.provider}: the completion hit max_tokens before writing anything`);
      throw malformed(this.provider, "empty completion");
    }
    const usage = usageOf(data.usage, request, toolCalls.length > 0 ? text + JSON.stringify(toolCalls) : text);
    const model = typeof data.model === "string" && data.model ? data.model : this.model;
    return answered({ text, toolCalls, usage, prices: this.options.prices, latencyMs, model }, openaiRateLimit(headers));
  }

  private classify(err: unknown, sdk: typeof OpenAI, toolsSent: boolean): unknown {
    if (err instanceof sdk.APIUserAbortError) return aborted();
    if (err instanceof sdk.APIConnectionError) return unreachable(this.provider, this.endpoint, err);
    if (err instanceof sdk.APIError) {
      const body = err.error as { type?: string; code?: string; message?: string } | undefined;
      return classifyHttpFailure(this.provider, {
        status: err.status,
        type: err.type ?? body?.type ?? null,
        code: (err.code as string | null | undefined) ?? body?.code ?? null,
        message: body?.message ?? err.message,
        toolsSent,
        ...rateLimitOf(openaiRateLimit(err.headers)),
      });
    }
    return err instanceof Error ? new LMCallError("transient", `${this.provider}: ${err.message}`) : err;
  }
}

/** Usage as reported; estimated from text length when a compatible server omits it. */
function usageOf(u: OpenAI.CompletionUsage | undefined, request: LMRequest, text: string): Usage {
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    return {
      promptTokens: u.prompt_tokens,
      completionTokens: u.completion_tokens,
      cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    };
  }
  return estimateUsage(request, text);
}

/**
 * The function calls of a reply. Compatible servers are not all exact: a missing id gets one from
 * its position, arguments given as an object (not JSON text) are written as JSON text.
 */
function toolCallsOf(calls: unknown): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  const out: ToolCall[] = [];
  calls.forEach((c: { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } } | null, i) => {
    const fn = c?.function;
    if (!fn || typeof fn.name !== "string" || fn.name === "" || (c.type !== undefined && c.type !== "function")) return;
    const args = fn.arguments;
    out.push({
      id: typeof c.id === "string" && c.id !== "" ? c.id : `call_${i}`,
      name: fn.name,
      arguments: typeof args === "string" ? args : args === undefined || args === null ? "" : JSON.stringify(args),
    });
  });
  return out;
}

/** A message in the chat completions wire format, tool calls and tool results included. */
function openaiMessage(m: ChatMessage): OpenAI.Chat.ChatCompletionMessageParam {
  if (m.role === "tool") return { role: "tool", content: m.content, tool_call_id: m.toolCallId ?? "" };
  if (m.role === "assistant" && m.toolCalls && m.toolCalls.length > 0) {
    return {
      role: "assistant",
      content: m.content === "" ? null : m.content,
      tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
    };
  }
  return { role: m.role, content: m.content };
}
