import type { FatalCause } from "../util/errors.js";

/** How the scheduler must treat a failed attempt. */
export type FailureKind =
  /** 429 / rate limited: pause the whole bucket, slow down, retry. */
  | "rate_limit"
  /** 5xx, 529 overloaded, connection reset, timeout, malformed body: back off and retry. */
  | "transient"
  /** auth, quota, invalid request, unknown model: never retry; stop the command. */
  | "fatal"
  /** This request alone cannot be served (prompt too long, refused): no retry; the example fails, the run goes on. */
  | "rejected";

/** Rate-limit state a provider reported in its response headers (all optional). */
export interface RateLimitInfo {
  /** Requests allowed per minute, and how many are left in the current window. */
  limitRequests?: number;
  remainingRequests?: number;
  /** Milliseconds until the request allowance is fully replenished. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
  /** From retry-after-ms / retry-after. */
  retryAfterMs?: number;
}

/** One failed attempt of an LM call, classified. Providers throw these; the scheduler decides. */
export class LMCallError extends Error {
  readonly kind: FailureKind;
  readonly status?: number;
  readonly fatalCause?: FatalCause;
  readonly rateLimit?: RateLimitInfo;
  /** A transient failure where nothing answered at the address (connection refused, no such host). */
  readonly unreachable?: boolean;
  constructor(
    kind: FailureKind,
    message: string,
    details: { status?: number; fatalCause?: FatalCause; rateLimit?: RateLimitInfo; unreachable?: boolean } = {},
  ) {
    super(message);
    this.name = "LMCallError";
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.fatalCause !== undefined) this.fatalCause = details.fatalCause;
    if (details.rateLimit !== undefined) this.rateLimit = details.rateLimit;
    if (details.unreachable) this.unreachable = true;
  }
}

/**
 * The endpoint refused a request because it carried `tools` (native tool calling): "llama3 does not
 * support tools" (Ollama), "tools param requires --jinja flag" (llama.cpp), "\"auto\" tool choice
 * requires --enable-auto-tool-choice …" (vLLM), "Unsupported parameter: 'tools' …" (OpenAI).
 *
 * The contract, for whoever sends `tools` (the react module):
 * - Send `tools` only to a client whose `toolCalling` is true (read it at each call: it can turn
 *   false while a run goes on).
 * - It is thrown by `LMClient.complete` (through every wrapper: cache, meter, scheduler) for a
 *   request that offered tools, never for one without; test it with `instanceof`.
 * - Its kind is `rejected`: the scheduler does not retry it and does not stop the command; nothing
 *   is cached.
 * - From the first one on, the client of that provider, endpoint and model — one per LMPool and the
 *   pools derived from it (withModel, derive, replay), so one for everything a command runs —
 *   reports `toolCalling === false`, and the pool's `onNotice` has been told once. Later requests with `tools` to it fail at once with this error,
 *   without being sent.
 * - The caller answers it by making the same call again without `tools` (the text protocol), in
 *   the same iteration: nothing is lost but the refused request.
 */
export class ToolsUnsupportedError extends LMCallError {
  constructor(message: string, details: { status?: number } = {}) {
    super("rejected", message, details);
    this.name = "ToolsUnsupportedError";
  }
}
