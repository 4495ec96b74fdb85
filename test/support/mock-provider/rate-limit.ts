import type { Clock } from "../../../src/lm/scheduler/types.js";
import type { MockApi, MockRateLimit } from "./types.js";

/** A token bucket: `capacity` tokens, refilled continuously at `perMinute / 60000` per ms. */
export class Bucket {
  readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private last: number;

  constructor(
    readonly perMinute: number,
    burstSeconds: number,
    now: number,
  ) {
    this.capacity = Math.max(1, (perMinute * burstSeconds) / 60);
    this.perMs = perMinute / 60_000;
    this.tokens = this.capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  /** Milliseconds until `cost` tokens are available (0: now). A cost above capacity counts as capacity. */
  waitMs(cost: number, now: number): number {
    this.refill(now);
    const need = Math.min(cost, this.capacity);
    if (this.tokens >= need - 1e-9) return 0;
    return Math.ceil((need - this.tokens) / this.perMs);
  }

  /** Takes `cost` tokens; the bucket may go into debt (charged completion tokens). */
  take(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= Math.min(cost, this.capacity);
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.tokens + 1e-9));
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(now: number): number {
    this.refill(now);
    return Math.max(0, Math.ceil((this.capacity - this.tokens) / this.perMs - 1e-9));
  }

  refillAll(now: number): void {
    this.tokens = this.capacity;
    this.last = now;
  }
}

export type Admission = { ok: true } | { ok: false; waitMs: number; which: "requests" | "tokens" };

/** The request bucket and (with `tpm`) the token bucket of one mock server. */
export class RateLimiter {
  readonly requests: Bucket;
  readonly tokens: Bucket | undefined;
  readonly sendHeaders: boolean;

  constructor(
    readonly spec: MockRateLimit,
    private readonly clock: Pick<Clock, "now">,
  ) {
    const now = clock.now();
    const burst = spec.burstSeconds ?? 60;
    this.requests = new Bucket(spec.rpm, burst, now);
    this.tokens = spec.tpm !== undefined ? new Bucket(spec.tpm, burst, now) : undefined;
    this.sendHeaders = spec.headers ?? false;
  }

  /** Admits a request costing `promptTokens` (taking from the buckets), or says how long to wait. */
  admit(promptTokens: number): Admission {
    const now = this.clock.now();
    const reqWait = this.requests.waitMs(1, now);
    const tokWait = this.tokens ? this.tokens.waitMs(promptTokens, now) : 0;
    if (reqWait > 0 || tokWait > 0) {
      return reqWait >= tokWait ? { ok: false, waitMs: reqWait, which: "requests" } : { ok: false, waitMs: tokWait, which: "tokens" };
    }
    this.requests.take(1, now);
    this.tokens?.take(promptTokens, now);
    return { ok: true };
  }

  /** Charges the completion's tokens after the fact. */
  charge(completionTokens: number): void {
    if (this.tokens && completionTokens > 0) this.tokens.take(completionTokens, this.clock.now());
  }

  reset(): void {
    const now = this.clock.now();
    this.requests.refillAll(now);
    this.tokens?.refillAll(now);
  }

  /** The provider's rate-limit headers, written into `into`. */
  writeHeaders(api: MockApi, into: Record<string, string>): void {
    const now = this.clock.now();
    if (api === "openai") {
      writeOpenAI(into, "requests", this.requests, now);
      if (this.tokens) writeOpenAI(into, "tokens", this.tokens, now);
    } else {
      const wall = Date.now();
      writeAnthropic(into, "requests", this.requests, now, wall);
      if (this.tokens) {
        for (const name of ["tokens", "input-tokens", "output-tokens"]) writeAnthropic(into, name, this.tokens, now, wall);
      }
    }
  }
}

function writeOpenAI(into: Record<string, string>, name: string, bucket: Bucket, now: number): void {
  into[`x-ratelimit-limit-${name}`] = String(bucket.perMinute);
  into[`x-ratelimit-remaining-${name}`] = String(bucket.remaining(now));
  into[`x-ratelimit-reset-${name}`] = goDuration(bucket.msUntilFull(now));
}

function writeAnthropic(into: Record<string, string>, name: string, bucket: Bucket, now: number, wall: number): void {
  into[`anthropic-ratelimit-${name}-limit`] = String(bucket.perMinute);
  into[`anthropic-ratelimit-${name}-remaining`] = String(bucket.remaining(now));
  into[`anthropic-ratelimit-${name}-reset`] = rfc3339Seconds(wall + bucket.msUntilFull(now));
}

/** Retry headers of a 429: `retry-after` in whole seconds (rounded up), `retry-after-ms` in ms. */
export function writeRetryAfter(into: Record<string, string>, waitMs: number): void {
  const ms = Math.max(0, Math.ceil(waitMs));
  into["retry-after"] = String(Math.ceil(ms / 1000));
  into["retry-after-ms"] = String(ms);
}

/**
 * A duration as OpenAI writes it (Go's `time.Duration` format, whole milliseconds): `0s`, `120ms`,
 * `1s`, `1.5s`, `1m30s`, `6m0s`, `1h2m3.25s`.
 */
export function goDuration(msIn: number): string {
  const ms = Math.max(0, Math.ceil(msIn));
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = trimZeros(((ms % 60_000) / 1000).toFixed(3));
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function trimZeros(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

/** RFC 3339 UTC time at whole seconds, rounded up (`2025-01-01T00:00:30Z`), as Anthropic writes it. */
export function rfc3339Seconds(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
