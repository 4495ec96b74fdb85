import { LMCallError, type RateLimitInfo } from "../../src/lm/call-error.js";
import type { FakeClock } from "./fake-clock.js";
import type { AttemptResult } from "../../src/lm/scheduler/types.js";
import { Rng } from "../../src/util/rng.js";

/** A time span in ms: fixed, or drawn uniformly from [min, max]. */
export type Span = number | { min: number; max: number };

/** When the server computes the rate-limit headers of an answer. */
export type HeaderStamp = "none" | "admission" | "answer";

/** 429s that have nothing to do with the rate the client sends. */
export interface Refusals {
  /** The server refuses everything for `durationMs` at the start of every `periodMs` (from time 0). */
  storm?: { periodMs: number; durationMs: number; retryAfterMs: number };
  /** Each request is refused with this probability, whatever the rate. */
  share?: { share: number; retryAfterMs: number };
  /** The first `count` requests are refused. */
  first?: { count: number; retryAfterMs: number };
}

export interface SimulatedProviderOptions {
  clock: FakeClock;
  seed: number | string;
  /** The true limit, enforced as a token bucket (undefined: no limit). */
  rpm?: number;
  /** Capacity of the bucket in seconds of refill (at least one request). Default 1. */
  burstSeconds?: number;
  /** Rate-limit headers on every answer: none, stamped at admission (as OpenAI and Anthropic do), or at answer time. */
  headers?: HeaderStamp;
  /** Time for a request to reach the server. Default 0–20 ms. */
  uplinkMs?: Span;
  /** From admission to the answer. Default 50–300 ms. */
  latencyMs?: Span;
  /** From arrival to a 429 answer. Default 20–100 ms. */
  rejectMs?: Span;
  refusals?: Refusals;
}

/**
 * A provider on the fake clock: a true token-bucket limit of `rpm` (429 with retry-after-ms until
 * the next request is available when it is empty), latencies drawn from a seeded RNG, optional
 * rate-limit headers stamped at admission or at answer time, and optional 429s that do not depend on
 * the rate (a storm, a share of all requests, the first few). It counts what it accepted and when,
 * so simulations can report the fraction of the limit reached and the 429 share.
 */
export class SimulatedProvider {
  readonly rpm: number | undefined;
  readonly capacity: number;
  private readonly perMs: number;
  private level: number;
  private updatedAt = 0;
  private readonly rng: Rng;
  private arrivals = 0;
  /** Arrival times of the requests it admitted. */
  readonly acceptedAt: number[] = [];
  /** Arrival times of the requests it refused because the bucket was empty. */
  readonly limitedAt: number[] = [];
  /** Requests refused by a storm, a share or `first`. */
  forced = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly options: SimulatedProviderOptions) {
    this.rpm = options.rpm;
    this.perMs = (options.rpm ?? 0) / 60_000;
    this.capacity = Math.max(1, ((options.rpm ?? 0) * (options.burstSeconds ?? 1)) / 60);
    this.level = this.capacity;
    this.rng = new Rng(`provider:${options.seed}`);
  }

  get rejected(): number {
    return this.limitedAt.length + this.forced;
  }

  async call(signal: AbortSignal | undefined): Promise<AttemptResult<number>> {
    const clock = this.options.clock;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await clock.sleep(this.draw(this.options.uplinkMs ?? { min: 0, max: 20 }), signal);
      const now = clock.now();
      this.refill(now);
      const forced = this.forcedRetryAfter(now);
      if (forced === undefined && (this.rpm === undefined || this.level >= 1)) {
        if (this.rpm !== undefined) this.level -= 1;
        this.acceptedAt.push(now);
        const stamp = this.options.headers ?? "none";
        const atAdmission = stamp === "admission" ? this.info() : undefined;
        await clock.sleep(this.draw(this.options.latencyMs ?? { min: 50, max: 300 }), signal);
        const info = stamp === "answer" ? (this.refill(clock.now()), this.info()) : atAdmission;
        return { value: 1, tokens: 120, ...(info ? { rateLimit: info } : {}) };
      }
      let retryAfterMs: number;
      if (forced !== undefined) {
        this.forced++;
        retryAfterMs = forced;
      } else {
        this.limitedAt.push(now);
        retryAfterMs = Math.ceil((1 - this.level) / this.perMs);
      }
      const rateLimit: RateLimitInfo = { retryAfterMs, ...((this.options.headers ?? "none") !== "none" ? this.info() : {}) };
      await clock.sleep(this.draw(this.options.rejectMs ?? { min: 20, max: 100 }), signal);
      throw new LMCallError("rate_limit", "429 Too Many Requests", { status: 429, rateLimit });
    } finally {
      this.inFlight--;
    }
  }

  /** Requests admitted in [from, to) over what the limit allows in that time. */
  fractionOfLimit(from: number, to: number): number {
    if (this.rpm === undefined) throw new Error("fractionOfLimit: the provider has no limit");
    const accepted = this.acceptedAt.filter((t) => t >= from && t < to).length;
    return accepted / ((this.rpm * (to - from)) / 60_000);
  }

  /** The retry-after of a refusal that does not depend on the rate, if this request gets one. */
  private forcedRetryAfter(now: number): number | undefined {
    const r = this.options.refusals;
    const index = this.arrivals++;
    if (!r) return undefined;
    if (r.first && index < r.first.count) return r.first.retryAfterMs;
    if (r.storm) {
      if (now % r.storm.periodMs < r.storm.durationMs) return r.storm.retryAfterMs;
    }
    if (r.share && this.rng.next() < r.share.share) return r.share.retryAfterMs;
    return undefined;
  }

  private info(): RateLimitInfo | undefined {
    if (this.rpm === undefined) return undefined;
    return {
      limitRequests: this.rpm,
      remainingRequests: Math.floor(this.level),
      resetRequestsMs: Math.ceil((this.capacity - this.level) / this.perMs),
    };
  }

  private draw(span: Span): number {
    return typeof span === "number" ? span : span.min + this.rng.next() * (span.max - span.min);
  }

  private refill(now: number): void {
    if (this.rpm !== undefined) this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
}
