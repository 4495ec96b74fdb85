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
