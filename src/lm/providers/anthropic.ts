import type Anthropic from "@anthropic-ai/sdk";
import { LMCallError } from "../call-error.js";
import type { Prices } from "../pricing.js";
import type { AttemptContext, AttemptResult } from "../scheduler/types.js";
import type { LMRequest, LMResponse, Usage } from "../types.js";
import type { ToolCall } from "../tool-types.js";
import { requestSignal } from "../scheduler/abort-watch.js";
import { aborted, classifyHttpFailure, malformed, unreachable } from "./classify.js";
import { anthropicRateLimit, rateLimitOf } from "./headers.js";
import type { ProviderClient } from "./types.js";
import { publicEndpoint, sdkBaseUrl, urlSecrets } from "../resolve.js";
import { scrubbingErrors } from "./scrub.js";
import { once } from "../../util/once.js";
import { anthropicMessages } from "./anthropic-messages.js";
import { answered } from "./answered.js";
import { offeredTools } from "../offered-tools.js";

export interface AnthropicProviderOptions {
  model: string;
  apiKey: string;
  baseURL: string;
  prices: Prices | undefined;
}

/** The forced tool whose input is the structured answer. */
const TOOL_NAME = "dspx_outputs";

/**
 * Anthropic messages. The SDK 0.x line pins API version 2023-06-01, which still accepts
 * `temperature` (dspx samples at 0 for evaluation and above 0 for bootstrapping). Structured output
 * is a forced tool call whose input schema is the outputs' JSON schema. Native tool calling offers
 * the request's `tools` (a request with tools is answered in text or tool calls: its
 * `responseFormat`, if any, is not also forced).
 */
export class AnthropicProvider implements ProviderClient {
  readonly provider = "anthropic";
  readonly model: string;
  readonly endpoint: string;
  readonly structuredOutput = true;
  readonly toolCalling = true;
  /** What error text must never show: the key in use and what the base URL carries (user, password, query). */
  private readonly secrets: readonly string[];
  /** The SDK and its client, imported at the first request (a command on sim never loads it). */
  private readonly sdk: () => Promise<{ Anthropic: typeof Anthropic; client: Anthropic }>;

  constructor(private readonly options: AnthropicProviderOptions) {
    this.model = options.model;
    // Credentials a base URL may carry (user:password@, ?api-key=) stay out of messages and keys.
    this.endpoint = publicEndpoint(options.baseURL);
    this.secrets = [options.apiKey, ...urlSecrets(options.baseURL)];
    this.sdk = once(async () => {
      const { default: Anthropic } = await import("@anthropic-ai/sdk");
      return { Anthropic, client: new Anthropic({ apiKey: options.apiKey, ...sdkBaseUrl(options.baseURL), maxRetries: 0, timeout: 24 * 3600_000 }) };
    });
  }

  /** One try of a request; whatever it throws is scrubbed of secrets before anyone prints or stores it. */
  attempt(request: LMRequest, context: AttemptContext): Promise<AttemptResult<LMResponse>> {
    return scrubbingErrors(this.secrets, () => this.send(request, context));
  }

  private async send(request: LMRequest, { signal, timeoutMs }: AttemptContext): Promise<AttemptResult<LMResponse>> {
    const system = request.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n\n");
    const messages = anthropicMessages(request.messages);
    const tools = offeredTools(request);
    const structured = tools ? undefined : request.responseFormat;
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.model,
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      messages,
      ...(system ? { system } : {}),
      ...(structured
        ? {
            tools: [{ name: TOOL_NAME, description: "Record the output fields.", input_schema: structured.schema as Anthropic.Tool.InputSchema }],
            tool_choice: { type: "tool" as const, name: TOOL_NAME },
          }
        : {}),
      ...(tools
        ? {
            tools: tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters as Anthropic.Tool.InputSchema })),
            tool_choice: request.toolChoice === "required" ? { type: "any" as const } : { type: "auto" as const },
          }
        : {}),
    };
    const { Anthropic: sdk, client } = await this.sdk();
    const own = requestSignal(signal);
    const began = performance.now();
    let data: Anthropic.Message;
    let headers: Headers;
    try {
      const r = await client.messages.create(body, { timeout: timeoutMs, ...(own.signal ? { signal: own.signal } : {}) }).withResponse();
      data = r.data;
      headers = r.response.headers;
    } catch (err) {
      throw this.classify(err, sdk, tools !== undefined);
    } finally {
      own.release();
    }
    const latencyMs = performance.now() - began;
    if (!data || !Array.isArray(data.content)) throw malformed(this.provider, "no content");
    let text: string;
    let toolCalls: ToolCall[] = [];
    if (structured) {
      const tool = data.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
      if (!tool || typeof tool.input !== "object" || tool.input === null) throw malformed(this.provider, "no tool_use block");
      text = JSON.stringify(tool.input);
    } else {
      text = data.content
        .filter((b): b is Anthropic.TextBlock => b.type === "text")
        .map((b) => b.text)
        .join("");
      if (tools) toolCalls = toolCallsOf(data.content);
    }
    if (text.trim() === "" && toolCalls.length === 0) {
      if (data.stop_reason === "max_tokens") throw new LMCallError("rejected", "anthropic: the completion hit max_tokens before writing anything");
      if (data.stop_reason === "refusal") throw new LMCallError("rejected", "anthropic: the model refused to answer");
      throw malformed(this.provider, "empty completion");
    }
    const usage = usageOf(data.usage);
    if (!usage) throw malformed(this.provider, "no usage");
    return answered({ text, toolCalls, usage, prices: this.options.prices, latencyMs, model: data.model || this.model }, anthropicRateLimit(headers));
  }

  private classify(err: unknown, sdk: typeof Anthropic, toolsSent: boolean): unknown {
    if (err instanceof sdk.APIUserAbortError) return aborted();
    if (err instanceof sdk.APIConnectionError) return unreachable(this.provider, this.endpoint, err);
    if (err instanceof sdk.APIError) {
      const body = (err.error as { error?: { type?: string; message?: string } } | undefined)?.error;
      return classifyHttpFailure(this.provider, {
        status: err.status,
        type: body?.type ?? null,
        message: body?.message ?? err.message,
        toolsSent,
        ...rateLimitOf(anthropicRateLimit(err.headers)),
      });
    }
    return err instanceof Error ? new LMCallError("transient", `anthropic: ${err.message}`) : err;
  }
}

/** The `tool_use` blocks of a reply as tool calls, their input written as JSON text. */
function toolCallsOf(content: Anthropic.ContentBlock[]): ToolCall[] {
  return content
    .filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use" && typeof b.name === "string" && b.name !== "")
    .map((b, i) => ({ id: typeof b.id === "string" && b.id !== "" ? b.id : `toolu_${i}`, name: b.name, arguments: JSON.stringify(b.input ?? {}) }));
}

/** Anthropic counts cache reads apart from input tokens; dspx's promptTokens include them. */
function usageOf(u: Anthropic.Usage | undefined): Usage | undefined {
  if (!u || !Number.isFinite(u.input_tokens) || !Number.isFinite(u.output_tokens)) return undefined;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  return { promptTokens: u.input_tokens + cacheRead + cacheWrite, completionTokens: u.output_tokens, cachedTokens: cacheRead };
}
