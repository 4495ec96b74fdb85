import { LMCallError } from "../call-error.js";
import type { RateLimitInfo } from "../call-error.js";
import { ProviderError, type FatalCause } from "../../util/errors.js";
import { dispatchSignal } from "../../util/interrupt.js";
import { Rng } from "../../util/rng.js";
import { backoffDelay } from "./backoff.js";
import { watchAbort } from "./abort-watch.js";
import type { AttemptOutcome } from "./attempt-outcomes.js";
import { abortError, realClock, toAbortError } from "./clock.js";
import { cleanRateLimit, minDefined, remainingNow } from "./header-limits.js";
import { PACING_MARGIN, RateControl, type Decrease } from "./rate-control.js";
import { RateLimitEpisodes } from "./rate-limit-episodes.js";
import { TokenBucket } from "./token-bucket.js";
import type { AttemptResult, Clock, SchedulerOptions, SchedulerStatsDetail, AttemptContext } from "./types.js";

export const SCHEDULER_DEFAULTS = {
  maxAttempts: 5,
  timeoutMs: 60_000,
  breakerThreshold: 8,
  breakerWindowMs: 3000,
  backoffBaseMs: 500,
  backoffMaxMs: 20_000,
  seed: 0,
} as const;

/** Pause after a 429 that says nothing about when to come back. */
export const DEFAULT_RETRY_AFTER_MS = 1000;
/** The shortest retry-after the rate floor is based on (one request per this long at least). */
const FLOOR_RETRY_AFTER_MIN_MS = 1000;
/** 429s one call may retry before it fails (they do not use up `maxAttempts`). */
export const MAX_RATE_LIMIT_RETRIES = 20;
/** Burst capacity of the buckets, in seconds of allowance. */
export const BURST_SECONDS = 1;
/** Window over which the dispatched rate is measured (for the decrease on 429). */
const OBSERVE_WINDOW_MS = 2000;
/** The rate counts as "what holds calls back" if it blocked a dispatch this recently. */
const RATE_BOUND_WINDOW_MS = 2000;

/** The live view of one dispatched attempt. */
interface Ticket {
  dispatchedAt: number;
  /** 0-based index among all attempts this scheduler sent. */
  requestIndex: number;
  /** Estimated tokens of everything dispatched up to and including this attempt. */
  tokensThrough: number;
  /** What the token bucket was charged (undefined: there was no token bucket). */
  charged?: number;
  tokenBucket?: TokenBucket;
}

interface Waiter {
  /** Arrival order of the call: the queue is FIFO by it, retries keep their place. */
  seq: number;
  tokens: number;
  /** Backing off: not dispatched before this time. */
  notBefore: number;
  resolve: (ticket: Ticket) => void;
  reject: (err: unknown) => void;
  /** Stops watching the caller's signal. */
  unwatch?: () => void;
}

type Outcome<T> =
  | { kind: "ok"; result: AttemptResult<T> }
  | { kind: "failed"; error: LMCallError; timedOut?: boolean }
  | { kind: "aborted" }
  | { kind: "thrown"; error: unknown };

const CAUSE_TEXT: Record<FatalCause, string> = {
  auth: "authentication failed (check the API key)",
  quota: "quota or credit exhausted (check billing and usage limits)",
  invalid_request: "the provider rejected the request as invalid",
  unknown_model: "the model is unknown to the provider (check the model name)",
  unavailable: "the endpoint is unavailable",
  not_supported: "the request uses something the provider does not support",
};

function positive(name: string, value: number | undefined, integer = false): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`Scheduler: ${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
  }
}

/**
 * Every LM call in a process to one (provider, endpoint, model) goes through one Scheduler. It
 * owns the concurrency cap, the request and token buckets (explicit or learned from headers),
 * the pause on 429 (and the AIMD slow-down when 429s repeat), retries with backoff for transient
 * failures, per-attempt timeouts, and the circuit breaker; a fatal error stops every call at once.
 */
export class Scheduler {
  private readonly name: string;
  private readonly concurrency: number;
  private readonly explicitTpm: number | undefined;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly breakerThreshold: number;
  private readonly breakerWindowMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly clock: Clock;
  private readonly rng: Rng;

  private readonly rate: RateControl;
  private readonly episodes: RateLimitEpisodes<Decrease>;
  private requestBucket: TokenBucket | undefined;
  private tokenBucket: TokenBucket | undefined;
  private learnedTpm: number | undefined;
  /** No limit given: one attempt at a time until the first answer tells us something. */
  private probing: boolean;

  private readonly queue: Waiter[] = [];
  private nextSeq = 0;
  private inFlight = 0;
  private heldUntil = 0;
  private fatal: ProviderError | undefined;
  private breakerOpen = false;
  /** The endpoint has answered at least once (anything but a refused connection or unknown host). */
  private answered = false;
  private consecutiveTransient = 0;
  /** When the current streak of transient failures began (its first failure). */
  private streakStartedAt = 0;
  private lastRateBlockAt = -Infinity;
  private tokensDispatched = 0;
  private readonly dispatchTimes: number[] = [];
  private dispatchHead = 0;
  private firstDispatchAt: number | undefined;
  /** When dispatch first ran at full concurrency (after the probe, if there was one). */
  private fullSince: number | undefined;

  private wakeAt: number | undefined;
  private wakeCancel: (() => void) | undefined;

  private readonly counts = {
    requests: 0,
    succeeded: 0,
    rateLimited: 0,
    retries: 0,
    failed: 0,
    aborted: 0,
    timeouts: 0,
  };

  constructor(options: SchedulerOptions) {
    positive("concurrency", options.concurrency, true);
    positive("rpm", options.rpm);
    positive("tpm", options.tpm);
    positive("maxAttempts", options.maxAttempts, true);
    positive("timeoutMs", options.timeoutMs);
    positive("breakerThreshold", options.breakerThreshold, true);
    if (options.breakerWindowMs !== undefined && !(options.breakerWindowMs >= 0 && Number.isFinite(options.breakerWindowMs))) {
      throw new RangeError(`Scheduler: breakerWindowMs must be ≥ 0, got ${options.breakerWindowMs}`);
    }
    positive("backoffMaxMs", options.backoffMaxMs);
    if (options.backoffBaseMs !== undefined && !(options.backoffBaseMs >= 0)) {
      throw new RangeError(`Scheduler: backoffBaseMs must be ≥ 0, got ${options.backoffBaseMs}`);
    }
    this.name = options.name;
    this.concurrency = options.concurrency;
    this.explicitTpm = options.tpm;
    this.maxAttempts = options.maxAttempts ?? SCHEDULER_DEFAULTS.maxAttempts;
    this.timeoutMs = options.timeoutMs ?? SCHEDULER_DEFAULTS.timeoutMs;
    this.breakerThreshold = options.breakerThreshold ?? SCHEDULER_DEFAULTS.breakerThreshold;
    this.breakerWindowMs = options.breakerWindowMs ?? SCHEDULER_DEFAULTS.breakerWindowMs;
    this.backoffBaseMs = options.backoffBaseMs ?? SCHEDULER_DEFAULTS.backoffBaseMs;
    this.backoffMaxMs = options.backoffMaxMs ?? SCHEDULER_DEFAULTS.backoffMaxMs;
    this.clock = options.clock ?? realClock;
    this.rng = new Rng(`scheduler:${options.seed ?? SCHEDULER_DEFAULTS.seed}`);
    this.rate = new RateControl(options.rpm);
    this.episodes = new RateLimitEpisodes<Decrease>({
      slowDown: () => this.slowDown(),
      undo: (d) => {
        this.rate.undo(d);
        this.syncBuckets(this.clock.now());
      },
    });
    this.probing = options.rpm === undefined;
    this.syncBuckets(this.clock.now());
  }

  /** Runs one logical call: waits for capacity, makes attempts, retries as needed. */
  async run<T>(
    estimatedTokens: number,
    attempt: (context: AttemptContext) => Promise<AttemptResult<T>>,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> {
    const signal = options.signal;
    // Waiting for capacity (or to retry) ends on a stop; an attempt already sent ends only when aborted.
    const waiting = dispatchSignal(signal);
    const tokens = Number.isFinite(estimatedTokens) && estimatedTokens > 0 ? estimatedTokens : 0;
    const seq = this.nextSeq++;
    let transientFailures = 0;
    let rateLimits = 0;
    let notBefore = this.clock.now();
    for (;;) {
      let ticket: Ticket;
      try {
        ticket = await this.acquire(seq, tokens, notBefore, waiting);
      } catch (err) {
        if (err === this.fatal) this.counts.failed++;
        else this.counts.aborted++;
        throw err;
      }
      const outcome = await this.attemptOnce(attempt, signal);
      const now = this.clock.now();
      this.inFlight--;
      // An answer of any kind (not a refused connection, an unknown host, a timeout, our own abort or bug) shows the endpoint is there.
      if (outcome.kind === "ok" || (outcome.kind === "failed" && !outcome.error.unreachable && !outcome.timedOut)) this.answered = true;
      this.episodes.onAnswer(ticket.requestIndex, outcomeOf(outcome), now);

      if (outcome.kind === "ok") {
        this.onSuccess(outcome.result, ticket, now);
        this.pump();
        return outcome.result.value;
      }
      if (outcome.kind === "aborted") {
        this.counts.aborted++;
        this.pump();
        throw toAbortError(signal);
      }
      if (outcome.kind === "thrown") {
        // Not a classified provider failure (a bug in the attempt): this call fails, nothing else.
        this.counts.failed++;
        this.pump();
        throw outcome.error;
      }

      const error = outcome.error;
      if (outcome.timedOut) this.counts.timeouts++;
      if (error.kind === "rate_limit") this.counts.rateLimited++;
      this.applyHeaders(error.rateLimit, ticket, now);
      if (this.fatal) {
        // The endpoint was declared unusable while this attempt was out.
        this.counts.failed++;
        this.pump();
        throw this.fatal;
      }

      if (error.kind === "fatal") {
        const cause = error.fatalCause ?? "invalid_request";
        // The endpoint's name is the error's `provider`: whoever shows the error prefixes it.
        this.trip(new ProviderError(this.name, cause, `${CAUSE_TEXT[cause]}: ${error.message}`));
        this.counts.failed++;
        throw this.fatal;
      }

      if (error.kind === "rejected") {
        // This request alone cannot be served (prompt too long, refusal): the endpoint answered, so
        // it is up (the breaker's count restarts); retrying would get the same answer.
        this.consecutiveTransient = 0;
        this.counts.failed++;
        this.pump();
        throw error;
      }

      if (error.kind === "rate_limit") {
        const retryAfter = this.onRateLimited(error.rateLimit, ticket, now);
        if (++rateLimits > MAX_RATE_LIMIT_RETRIES) {
          this.counts.failed++;
          this.pump();
          throw error;
        }
        // Whether or not the endpoint pauses, this request waits its retry-after.
        notBefore = now + retryAfter;
        continue;
      }

      // transient
      if (error.unreachable && !this.answered) {
        // Nothing listens there and nothing ever answered: a wrong address or a server not started,
        // which retrying will not change. (Once the endpoint has answered, a refusal is a restart
        // or a blip, and counts towards the breaker like any transient failure.)
        this.breakerOpen = true;
        this.trip(new ProviderError(this.name, "unavailable", `${error.message}; nothing answers at this address (is the server running, and the URL right?)`));
        this.counts.failed++;
        throw this.fatal;
      }
      if (this.consecutiveTransient === 0) this.streakStartedAt = now;
      this.consecutiveTransient++;
      // The endpoint looks down when failures keep coming, with no success, for a while: at high
      // concurrency a one-second burst of 502s is already many failures in a row while every call
      // still has retries to ride it out. The minimum time applies while probing too: calls that
      // wait out a backoff free the probe's slot, so failures come back to back there as well.
      const elapsed = now - this.streakStartedAt;
      if (this.consecutiveTransient >= this.breakerThreshold && elapsed >= this.breakerWindowMs) {
        this.breakerOpen = true;
        this.trip(
          new ProviderError(
            this.name,
            "unavailable",
            `failed ${this.consecutiveTransient} times in a row over ${formatSeconds(elapsed)} (last error: ${error.message}); the endpoint looks down`,
          ),
        );
        this.counts.failed++;
        throw this.fatal;
      }
      transientFailures++;
      if (transientFailures >= this.maxAttempts) {
        this.counts.failed++;
        this.pump();
        throw error;
      }
      this.counts.retries++;
      notBefore = now + backoffDelay(transientFailures, this.backoffBaseMs, this.backoffMaxMs, this.rng);
    }
  }

  stats(): SchedulerStatsDetail {
    const now = this.clock.now();
    const stats: SchedulerStatsDetail = {
      inFlight: this.inFlight,
      queued: this.queue.length,
      requests: this.counts.requests,
      succeeded: this.counts.succeeded,
      rateLimited: this.counts.rateLimited,
      retries: this.counts.retries,
      failed: this.counts.failed,
      aborted: this.counts.aborted,
      timeouts: this.counts.timeouts,
      pausedUntil: this.pausedUntil(now),
      heldUntil: this.heldUntil > now ? this.heldUntil : 0,
      breakerOpen: this.breakerOpen,
    };
    const rpm = this.rate.allowed();
    if (rpm !== undefined) stats.currentRpm = rpm;
    const limitRpm = this.rate.ceiling();
    if (limitRpm !== undefined) stats.limitRpm = limitRpm;
    const limitTpm = this.tpmCeiling();
    if (limitTpm !== undefined) {
      stats.limitTpm = limitTpm;
      stats.currentTpm = limitTpm * PACING_MARGIN;
    }
    return stats;
  }

  // ---- outcomes -------------------------------------------------------------------------------

  private onSuccess<T>(result: AttemptResult<T>, ticket: Ticket, now: number): void {
    this.counts.succeeded++;
    this.consecutiveTransient = 0;
    // Correct the up-front token charge from what the call really used.
    const used = result.tokens;
    if (used !== undefined && Number.isFinite(used) && used >= 0 && ticket.tokenBucket && ticket.tokenBucket === this.tokenBucket) {
      const delta = used - (ticket.charged ?? 0);
      if (delta > 0) this.tokenBucket.take(delta, now);
      else if (delta < 0) this.tokenBucket.give(-delta, now);
    }
    this.applyHeaders(result.rateLimit, ticket, now);
    this.endProbe(now);
    this.rate.onSuccess(now, now - this.lastRateBlockAt <= RATE_BOUND_WINDOW_MS);
    this.syncBuckets(now);
  }

  /** Returns the retry-after the 429 asks for. */
  private onRateLimited(info: RateLimitInfo | undefined, ticket: Ticket, now: number): number {
    const clean = cleanRateLimit(info);
    const retryAfter = clean?.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    // A probe waiting for its answer is no good stretch of sending.
    const sendingSince = this.fullSince ?? now;
    // The episodes decide the pause (concurrent 429s extend it to the latest end, they do not add
    // up; some pause nothing) and whether the rate comes down.
    this.episodes.onRateLimited(ticket.requestIndex, this.counts.requests, now, retryAfter, sendingSince);
    this.endProbe(now);
    this.syncBuckets(now);
    // The provider's bucket is empty: so is ours (else the pause would end in a burst of 429s).
    this.requestBucket?.clampTo(0, now);
    return retryAfter;
  }

  /** Until when dispatch is paused after 429s (0: not paused). */
  private pausedUntil(now: number): number {
    const until = this.episodes.pausedUntil();
    return until > now ? until : 0;
  }

  /**
   * Repeated 429s say the rate is too high: lower it, but never below one request per retry-after
   * (the provider's own word on how soon a request may come). A retry-after under a second is the
   * time until the provider's next free slot, not a pace it sustains, so the floor counts it as one.
   */
  private slowDown(): Decrease {
    const now = this.clock.now();
    const retryAfter = Math.max(FLOOR_RETRY_AFTER_MIN_MS, this.episodes.retryAfterMs());
    const d = this.rate.decrease(now, this.observedRpm(now), 60_000 / retryAfter);
    this.syncBuckets(now);
    return d;
  }

  /**
   * Learns limits from rate-limit headers and keeps our buckets from overrunning the provider's.
   *
   * Providers stamp `remaining` when they admit a request, not when they answer it (seconds later
   * for an LLM). So a `remaining` read now is the provider's level when this attempt was admitted
   * (taken as its dispatch time): since then the provider has refilled at its limit, and has taken
   * one for every attempt we sent after this one, whether still in flight or answered since. With a
   * rate known (`--rpm` or a reported limit) that estimate only corrects our bucket's level, by at
   * most one burst below empty: it never holds dispatch until `reset`, which is when the provider's
   * window is full again, not when the next request fits.
   */
  private applyHeaders(info: RateLimitInfo | undefined, ticket: Ticket, now: number): void {
    const rl = cleanRateLimit(info);
    if (!rl) return;
    if (rl.limitRequests !== undefined) this.rate.learn(rl.limitRequests);
    if (rl.limitTokens !== undefined) this.learnedTpm = rl.limitTokens;
    this.syncBuckets(now);
    const elapsed = now - ticket.dispatchedAt;
    if (rl.remainingRequests !== undefined) {
      const sentAfter = this.counts.requests - ticket.requestIndex - 1;
      // The provider refills at its limit; with none known, at least at our own pace.
      const rpm = this.rate.ceiling() ?? this.rate.allowed();
      this.correctFromRemaining(this.requestBucket, rpm, rl.remainingRequests, sentAfter, elapsed, rl.resetRequestsMs, now);
    }
    if (rl.remainingTokens !== undefined) {
      const sentAfter = this.tokensDispatched - ticket.tokensThrough;
      this.correctFromRemaining(this.tokenBucket, this.tpmCeiling(), rl.remainingTokens, sentAfter, elapsed, rl.resetTokensMs, now);
    }
  }

  /** Lowers `bucket` to what the provider has left now (see applyHeaders), or holds until the reset when no rate is known. */
  private correctFromRemaining(
    bucket: TokenBucket | undefined,
    perMinute: number | undefined,
    remaining: number,
    sentAfter: number,
    elapsedMs: number,
    resetMs: number | undefined,
    now: number,
  ): void {
    if (bucket && perMinute !== undefined) {
      bucket.clampTo(Math.max(-bucket.capacity, remainingNow(remaining, sentAfter, elapsedMs, perMinute)), now);
    } else if (remaining <= 0 && resetMs !== undefined) {
      // No rate known: nothing tells when the next one fits but the reset.
      this.heldUntil = Math.max(this.heldUntil, now + resetMs);
    }
  }

  /** The first answer is in (and with it any rate-limit headers): dispatch at full concurrency. */
  private endProbe(now: number): void {
    this.probing = false;
    this.fullSince ??= now;
  }

  /** The endpoint is unusable: every waiting call fails now, and every future call at once. */
  private trip(err: ProviderError): void {
    if (this.fatal) return;
    this.fatal = err;
    const waiting = this.queue.splice(0);
    this.cancelWake();
    for (const w of waiting) {
      this.detach(w);
      w.reject(err);
    }
  }

  // ---- dispatch -------------------------------------------------------------------------------

  private acquire(seq: number, tokens: number, notBefore: number, signal: AbortSignal | undefined): Promise<Ticket> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (signal?.aborted) return Promise.reject(toAbortError(signal));
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = { seq, tokens, notBefore, resolve, reject };
      if (signal) {
        waiter.unwatch = watchAbort(signal, () => {
          const i = this.queue.indexOf(waiter);
          if (i < 0) return;
          this.queue.splice(i, 1);
          this.detach(waiter);
          reject(toAbortError(signal));
          this.pump();
        });
      }
      this.insert(waiter);
      this.pump();
    });
  }

  /** Inserts by arrival order, so a retried call keeps its place ahead of later calls. */
  private insert(waiter: Waiter): void {
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.seq > waiter.seq) i--;
    this.queue.splice(i, 0, waiter);
  }

  private detach(waiter: Waiter): void {
    waiter.unwatch?.();
    delete waiter.unwatch;
  }

  private effectiveConcurrency(): number {
    return this.probing ? 1 : this.concurrency;
  }

  /**
   * Dispatches waiting calls while capacity allows, in arrival order; then sleeps (one timer) until
   * the next moment something can change, unless only a free slot can unblock the queue.
   */
  private pump(): void {
    // Once tripped the queue is empty and stays so (acquire rejects at once).
    if (this.fatal) return;
    const now = this.clock.now();
    let wake = Infinity;
    while (this.queue.length > 0 && this.inFlight < this.effectiveConcurrency()) {
      // The first call not backing off; earlier ones that are backing off may overtake it later.
      let index = -1;
      let earliestBackoff = Infinity;
      for (let i = 0; i < this.queue.length; i++) {
        const w = this.queue[i]!;
        if (w.notBefore <= now) {
          index = i;
          break;
        }
        earliestBackoff = Math.min(earliestBackoff, w.notBefore);
      }
      if (index < 0) {
        wake = earliestBackoff;
        break;
      }
      const head = this.queue[index]!;
      const ready = this.readyAt(head, now);
      if (ready > now) {
        wake = Math.min(ready, earliestBackoff);
        break;
      }
      this.queue.splice(index, 1);
      this.dispatch(head, now);
    }
    this.scheduleWake(wake, now);
  }

  /** When `w` may be dispatched, as far as pauses and buckets are concerned. */
  private readyAt(w: Waiter, now: number): number {
    let ready = Math.max(now, this.episodes.pausedUntil(), this.heldUntil);
    if (this.requestBucket) {
      const wait = this.requestBucket.msUntil(1, now);
      if (wait > 0) {
        this.lastRateBlockAt = now;
        ready = Math.max(ready, now + wait);
      }
    }
    if (this.tokenBucket) {
      const need = Math.min(w.tokens, this.tokenBucket.capacity);
      ready = Math.max(ready, now + this.tokenBucket.msUntil(need, now));
    }
    return ready;
  }

  private dispatch(w: Waiter, now: number): void {
    this.detach(w);
    this.inFlight++;
    const requestIndex = this.counts.requests++;
    this.requestBucket?.take(1, now);
    this.tokensDispatched += w.tokens;
    const ticket: Ticket = { dispatchedAt: now, requestIndex, tokensThrough: this.tokensDispatched };
    if (this.tokenBucket) {
      const charge = Math.min(w.tokens, this.tokenBucket.capacity);
      this.tokenBucket.take(charge, now);
      ticket.charged = charge;
      ticket.tokenBucket = this.tokenBucket;
    }
    this.firstDispatchAt ??= now;
    if (!this.probing) this.fullSince ??= now;
    this.dispatchTimes.push(now);
    this.pruneDispatchTimes(now);
    w.resolve(ticket);
  }

  private scheduleWake(at: number, now: number): void {
    if (at === Infinity) {
      this.cancelWake();
      return;
    }
    // Whole milliseconds, at least one: a wake-up always lands after the moment it waits for.
    const target = now + Math.max(1, Math.ceil(at - now));
    if (this.wakeAt !== undefined && this.wakeAt <= target) return;
    this.cancelWake();
    this.wakeAt = target;
    this.wakeCancel = this.clock.timer(target - now, () => {
      this.wakeCancel = undefined;
      this.wakeAt = undefined;
      this.pump();
    });
  }

  private cancelWake(): void {
    const cancel = this.wakeCancel;
    this.wakeCancel = undefined;
    this.wakeAt = undefined;
    cancel?.();
  }

  // ---- one attempt ----------------------------------------------------------------------------

  /**
   * Runs one attempt; never rejects. The attempt gets the caller's signal and the timeout, and is
   * expected to stop its own request when either fires (the providers hand both to their SDK, which
   * already keeps one abort controller per request — creating another here costs more than the
   * rest of the scheduler). Whatever the attempt does, the scheduler stops waiting at the timeout
   * or the caller's abort, and settles the call then.
   */
  private attemptOnce<T>(
    attempt: (context: AttemptContext) => Promise<AttemptResult<T>>,
    callerSignal: AbortSignal | undefined,
  ): Promise<Outcome<T>> {
    return new Promise<Outcome<T>>((resolve) => {
      let done = false;
      let unwatch: (() => void) | undefined;
      let cancelTimeout: (() => void) | undefined;
      const finish = (outcome: Outcome<T>): void => {
        if (done) return;
        done = true;
        cancelTimeout?.();
        unwatch?.();
        resolve(outcome);
      };
      if (callerSignal?.aborted) {
        finish({ kind: "aborted" });
        return;
      }
      if (callerSignal) unwatch = watchAbort(callerSignal, () => finish({ kind: "aborted" }));
      cancelTimeout = this.clock.timer(this.timeoutMs, () => {
        const error = new LMCallError("transient", `no answer within ${this.timeoutMs} ms (timed out)`);
        finish({ kind: "failed", error, timedOut: true });
      });
      let pending: Promise<AttemptResult<T>>;
      try {
        pending = attempt({ signal: callerSignal, timeoutMs: this.timeoutMs });
      } catch (err) {
        finish(classify<T>(err));
        return;
      }
      Promise.resolve(pending).then(
        (result) => finish({ kind: "ok", result }),
        (err: unknown) => finish(classify<T>(err)),
      );
    });
  }

  // ---- rates ----------------------------------------------------------------------------------

  private tpmCeiling(): number | undefined {
    return minDefined(this.explicitTpm, this.learnedTpm);
  }

  /** Keeps the buckets' rates in line with the allowed rates (1 s of allowance as burst). */
  private syncBuckets(now: number): void {
    const rpm = this.rate.allowed();
    if (rpm !== undefined) {
      const perSecond = rpm / 60;
      const capacity = Math.max(1, perSecond * BURST_SECONDS);
      if (this.requestBucket) this.requestBucket.setRate(perSecond, capacity, now);
      else this.requestBucket = new TokenBucket(perSecond, capacity, now);
    } else {
      this.requestBucket = undefined;
    }
    const tpm = this.tpmCeiling();
    if (tpm !== undefined) {
      const perSecond = (tpm * PACING_MARGIN) / 60;
      const capacity = Math.max(1, perSecond * BURST_SECONDS);
      if (this.tokenBucket) this.tokenBucket.setRate(perSecond, capacity, now);
      else this.tokenBucket = new TokenBucket(perSecond, capacity, now);
    }
  }

  /** Drops dispatch times older than the observation window (amortised O(1): a moving head). */
  private pruneDispatchTimes(now: number): void {
    const from = now - OBSERVE_WINDOW_MS;
    while (this.dispatchHead < this.dispatchTimes.length && this.dispatchTimes[this.dispatchHead]! < from) this.dispatchHead++;
    if (this.dispatchHead > 1024 && this.dispatchHead * 2 > this.dispatchTimes.length) {
      this.dispatchTimes.splice(0, this.dispatchHead);
      this.dispatchHead = 0;
    }
  }

  /** Requests per minute dispatched lately (over the last couple of seconds, at least one). */
  private observedRpm(now: number): number {
    this.pruneDispatchTimes(now);
    const span = Math.min(OBSERVE_WINDOW_MS, Math.max(1000, now - (this.firstDispatchAt ?? now)));
    return ((this.dispatchTimes.length - this.dispatchHead) / span) * 60_000;
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function outcomeOf<T>(outcome: Outcome<T>): AttemptOutcome {
  if (outcome.kind === "ok") return "admitted";
  return outcome.kind === "failed" && outcome.error.kind === "rate_limit" ? "refused" : "other";
}

function classify<T>(err: unknown): Outcome<T> {
  if (err instanceof LMCallError) return { kind: "failed", error: err };
  return { kind: "thrown", error: err };
}
