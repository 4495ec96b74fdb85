import type { Clock } from "../../../src/lm/scheduler/types.js";
/** Public types of the mock LLM provider (re-exported by `test/support/mock-provider.ts`). */

export type MockApi = "openai" | "anthropic";

/** One LLM request as the mock received it. */
export interface MockRequest {
  api: MockApi;
  /** 0-based, in arrival order, over every LLM request since start (or the last `reset()`). */
  index: number;
  model: string;
  /**
   * The conversation with every content flattened to text (content parts / blocks joined). OpenAI:
   * every message as sent, system/developer ones included. Anthropic: `messages` as sent.
   */
  messages: { role: string; content: string }[];
  /** OpenAI: the system/developer messages joined; Anthropic: the `system` parameter as text. */
  system?: string;
  /** The parsed JSON body. */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  /** The request's path and query as received, e.g. `/v1/chat/completions?api-key=…`. */
  url?: string;
}

export type MockReply =
  | {
      kind: "text";
      text: string;
      /** Token counts to report; each defaults to an estimate (characters / 4). `prompt` includes `cached`. */
      usage?: { prompt?: number; completion?: number; cached?: number };
      headers?: Record<string, string>;
    }
  /** Structured output: the JSON text as content (OpenAI), or a forced tool's `tool_use` input (Anthropic). */
  | { kind: "json"; value: unknown }
  /** A provider-shaped error body; type, code and message default by status (and code). */
  | { kind: "error"; status: number; type?: string; code?: string; message?: string; headers?: Record<string, string> }
  /** Never answer; the socket closes when the client gives up (or on close()). */
  | { kind: "hang" }
  /** Answer `reply` after `ms`. */
  | { kind: "slow"; ms: number; reply: MockReply }
  /** A raw body (invalid JSON, JSON of the wrong shape, or empty), `application/json`, status 200 by default. */
  | { kind: "malformed"; body: string; status?: number }
  /** Destroy the socket without answering. */
  | { kind: "reset" }
  /**
   * Native tool calls: OpenAI `message.tool_calls` (content null unless `text`), Anthropic
   * `tool_use` blocks (after a text block if `text`), stop reason tool_calls / tool_use.
   */
  | { kind: "tool_calls"; calls: MockToolCall[]; text?: string; usage?: { prompt?: number; completion?: number; cached?: number } };

/** A tool call the mock answers with. */
export interface MockToolCall {
  /** Default: `call_mock<request>_<n>` (OpenAI), `toolu_mock<request>_<n>` (Anthropic). */
  id?: string;
  name: string;
  /**
   * The arguments: an object (sent as JSON text to OpenAI, as `input` to Anthropic), or raw text
   * sent as is to OpenAI (a model's broken JSON) — Anthropic gets it parsed, `{}` if it is not JSON.
   */
  arguments: Record<string, unknown> | string;
}

/**
 * How a server that does not do native tool calling refuses a request carrying `tools`, in its own
 * words: Ollama with a model whose template has no tools (400 "<model> does not support tools"),
 * llama.cpp started without --jinja (500 "tools param requires --jinja flag"), vLLM started without
 * --enable-auto-tool-choice (400 "\"auto\" tool choice requires …").
 */
export type MockToolRefusal = "ollama" | "llamacpp" | "vllm";

export type MockResponder = (req: MockRequest) => MockReply | Promise<MockReply>;

export interface MockRateLimit {
  /** Requests per minute: the refill rate of the request bucket. */
  rpm: number;
  /** Bucket capacity in seconds of refill (capacity = rpm * burstSeconds / 60, at least 1). Default 60. */
  burstSeconds?: number;
  /** Tokens per minute (estimated prompt tokens charged up front, completion tokens after). Unlimited when absent. */
  tpm?: number;
  /** Send the provider's rate-limit headers on every reply. Default false (retry-after is always sent on the mock's own 429s). */
  headers?: boolean;
  /**
   * When the headers are computed: when the reply is sent (default), or when the request was
   * admitted, as OpenAI and Anthropic do — then `remaining` does not count requests admitted while
   * this one was being answered.
   */
  stamp?: "answer" | "admission";
}

/** 429s that do not depend on the rate the client sends (each with `retry-after`). */
export interface MockRefusals {
  /** The first `first` LLM requests are answered 429. */
  first?: number;
  /**
   * Every LLM request arriving in the first `durationMs` of every `periodMs` is answered 429, counted
   * from the first LLM request (so a client's start-up time does not decide where it lands).
   */
  storm?: { periodMs: number; durationMs: number };
  /** The retry-after these 429s carry. Default 1000 (sent as `retry-after: 1` and `retry-after-ms: 1000`). */
  retryAfterMs?: number;
}

export interface MockProviderOptions {
  /** Default: defaultResponder. */
  respond?: MockResponder;
  /** Enforce a token bucket: 429 + retry-after / retry-after-ms when empty. */
  rateLimit?: MockRateLimit;
  /** 429s whatever the rate: the first requests, or storms. */
  refusals?: MockRefusals;
  /** Added to every reply; a range draws deterministically from the request index. */
  latencyMs?: number | { min: number; max: number };
  /** Every request carrying `tools` is refused as this server refuses it (see MockToolRefusal); others are answered as usual. */
  rejectTools?: MockToolRefusal;
  /** 401 unless `Authorization: Bearer <key>` or `x-api-key: <key>` matches. */
  requireKey?: string;
  /** Keep every request in `requests` (default true; a long benchmark may turn it off, counts still work). */
  record?: boolean;
  /** Default 0 (a random free port). */
  port?: number;
  /**
   * Time for the buckets, storms, latency and slow replies. Default: the real clock. A test passes a
   * FakeClock so that what depends on time happens when it advances the clock, not when time passes.
   */
  clock?: Clock;
}

export interface MockCounts {
  /** Every LLM request received (POST chat/completions or messages). */
  total: number;
  /** Well-formed success replies sent. */
  ok: number;
  /** 429s sent (the bucket's and scripted ones). */
  rateLimited: number;
  /** Other error replies, malformed bodies and resets. */
  errors: number;
}

export interface MockProvider {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `url + "/v1"`, for `new OpenAI({ baseURL })`. */
  openaiBaseUrl: string;
  /** `url`, for `new Anthropic({ baseURL })` (the SDK adds `/v1/messages`). */
  anthropicBaseUrl: string;
  requests: MockRequest[];
  counts: MockCounts;
  setResponder(fn: MockResponder): void;
  /** Forget requests and counts, refill the buckets, restore the responder given at start. */
  reset(): void;
  /** Stop listening, destroy every open connection, cancel pending replies. */
  close(): Promise<void>;
}
