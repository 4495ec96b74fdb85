import type { RateLimitInfo } from "../call-error.js";

/** Time, injectable so the scheduler is tested with a fake clock. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms` (rejects with an AbortError if the signal aborts first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` after `ms` unless cancelled first; returns the cancel function. The cheap way to
   * arm a timeout on every request (no AbortController, no promise, no error on cancel).
   */
  timer(ms: number, fn: () => void): () => void;
}

export interface SchedulerOptions {
  /** Label for messages, e.g. `openai:gpt-4.1-mini @ api.openai.com`. */
  name: string;
  /** Most attempts in flight at once. */
  concurrency: number;
  /** Requests per minute the user allows (`--rpm`, `lm.rpm`); unset → learned from headers/429s. */
  rpm?: number;
  /** Tokens per minute (`--tpm`, `lm.tpm`); unset → learned from headers. */
  tpm?: number;
  /** Tries per call for transient failures (first try included). Default 5. */
  maxAttempts?: number;
  /** Per-attempt timeout. Default 60 000. */
  timeoutMs?: number;
  /**
   * The circuit breaker: the endpoint is considered down (every call fails at once) after at least
   * `breakerThreshold` consecutive transient failures across calls (default 8) that have also gone
   * on for at least `breakerWindowMs` since the first of them, with no success in between (default
   * 3000), so a short burst of errors at high concurrency leaves calls their retries. An endpoint
   * where nothing listens (connection refused, unknown host) before it ever answered is reported
   * unreachable at once instead: retrying cannot change that.
   */
  breakerThreshold?: number;
  breakerWindowMs?: number;
  /** Exponential backoff: base and cap, full jitter. Defaults 500 ms and 20 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  clock?: Clock;
  /** Seed for backoff jitter (jitter is timing, but kept reproducible for tests). */
  seed?: number;
}

/**
 * What an attempt gets: the caller's signal (aborts on Ctrl-C) and the timeout the scheduler
 * enforces, which the attempt should also hand to its HTTP client so the request itself stops.
 */
export interface AttemptContext {
  signal: AbortSignal | undefined;
  timeoutMs: number;
}

/** What one successful attempt reports back. */
export interface AttemptResult<T> {
  value: T;
  /** Tokens the call really used (prompt + completion), to correct the up-front estimate. */
  tokens?: number;
  rateLimit?: RateLimitInfo;
}

/** Live counters for progress lines and benchmarks. */
export interface SchedulerStats {
  inFlight: number;
  queued: number;
  /** Attempts sent. */
  requests: number;
  succeeded: number;
  /** 429 responses seen. */
  rateLimited: number;
  /** Transient failures retried. */
  retries: number;
  /** Calls that failed for good (after retries, or fatal). */
  failed: number;
  /** The request rate the scheduler currently allows, per minute (undefined: no limit known). */
  currentRpm?: number;
  /** Known provider limits. */
  limitRpm?: number;
  limitTpm?: number;
  /** Clock time until which dispatch is paused after a 429 (0 when not paused). */
  pausedUntil: number;
  breakerOpen: boolean;
}

/** What `Scheduler.stats()` returns: the shared counters plus a few more. */
export interface SchedulerStatsDetail extends SchedulerStats {
  /** Calls given up by their caller (abort). */
  aborted: number;
  /** Attempts that ran out of time (also counted as transient failures). */
  timeouts: number;
  /** The token rate the scheduler currently allows, per minute (undefined: no limit known). */
  currentTpm?: number;
  /**
   * Clock time until which dispatch is held because the provider reported nothing remaining and no
   * rate is known to tell when the next request fits (0: not held).
   */
  heldUntil: number;
}
