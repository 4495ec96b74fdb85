import { setMaxListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { LMCallError, type RateLimitInfo } from "../../../src/lm/call-error.js";
import { FakeClock } from "../../../src/lm/scheduler/clock.js";
import { Scheduler } from "../../../src/lm/scheduler/scheduler.js";
import type { AttemptResult } from "../../../src/lm/scheduler/types.js";
import { Rng } from "../../../src/util/rng.js";

/**
 * A provider that enforces 600 requests/min as a token bucket (capacity 10, refill 10/s). A request
 * reaches it after 0–20 ms; if the bucket has a request left it answers after 50–300 ms, else it
 * answers 429 with retry-after-ms after 20–100 ms. Optionally it sends rate-limit headers.
 */
class BucketProvider {
  static readonly LIMIT_RPM = 600;
  readonly capacity = 10;
  readonly perSecond = 10;
  private level = 10;
  private updatedAt = 0;
  /** Arrival times of the requests it accepted. */
  readonly acceptedAt: number[] = [];
  rejected = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly rng: Rng,
    private readonly headers: boolean,
    private readonly uplinkMs = 20,
  ) {}

  async call(signal: AbortSignal | undefined): Promise<AttemptResult<number>> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.clock.sleep(this.rng.next() * this.uplinkMs, signal);
      const now = this.clock.now();
      this.refill(now);
      if (this.level >= 1) {
        this.level -= 1;
        this.acceptedAt.push(now);
        const info = this.headers ? this.info() : undefined;
        await this.clock.sleep(50 + this.rng.next() * 250, signal);
        return { value: 1, tokens: 120, ...(info ? { rateLimit: info } : {}) };
      }
      this.rejected++;
      const rateLimit: RateLimitInfo = {
        retryAfterMs: Math.ceil(((1 - this.level) / this.perSecond) * 1000),
        ...(this.headers ? this.info() : {}),
      };
      await this.clock.sleep(20 + this.rng.next() * 80, signal);
      throw new LMCallError("rate_limit", "429 Too Many Requests", { status: 429, rateLimit });
    } finally {
      this.inFlight--;
    }
  }

  private info(): RateLimitInfo {
    return {
      limitRequests: BucketProvider.LIMIT_RPM,
      remainingRequests: Math.floor(this.level),
      resetRequestsMs: Math.ceil(((this.capacity - this.level) / this.perSecond) * 1000),
    };
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
  }
}

interface SimResult {
  /** Accepted requests in the window over what the limit allows in it. */
  throughput: number;
  /** 429s over attempts sent. */
  share429: number;
  accepted: number;
  requests: number;
  rateLimited: number;
  failed: number;
  maxInFlight: number;
  /** Throughput over the last 60 s alone (after convergence). */
  lateThroughput: number;
}

async function simulate(opts: {
  rpm?: number;
  headers: boolean;
  seed: number;
  seconds?: number;
  callers?: number;
  uplinkMs?: number;
  concurrency?: number;
}): Promise<SimResult> {
  const seconds = opts.seconds ?? 120;
  const end = seconds * 1000;
  const clock = new FakeClock(0);
  const provider = new BucketProvider(clock, new Rng(`provider:${opts.seed}`), opts.headers, opts.uplinkMs);
  const scheduler = new Scheduler({
    name: "mock:model",
    concurrency: opts.concurrency ?? 50,
    ...(opts.rpm !== undefined ? { rpm: opts.rpm } : {}),
    clock,
    seed: opts.seed,
  });
  const stop = new AbortController();
  // Every caller waits on this one signal at once: 50 listeners by design, not a leak.
  setMaxListeners(100, stop.signal);
  let failed = 0;
  const callers = Array.from({ length: opts.callers ?? 50 }, async () => {
    while (!stop.signal.aborted) {
      try {
        await scheduler.run(100, ({ signal }) => provider.call(signal), { signal: stop.signal });
      } catch (err) {
        if ((err as Error).name === "AbortError") return;
        failed++;
      }
    }
  });
  await clock.advanceTo(end);
  const stats = scheduler.stats();
  stop.abort();
  await clock.advance(1000);
  await Promise.all(callers);

  const inWindow = provider.acceptedAt.filter((t) => t < end).length;
  const late = provider.acceptedAt.filter((t) => t >= end - 60_000 && t < end).length;
  return {
    throughput: inWindow / ((BucketProvider.LIMIT_RPM * seconds) / 60),
    share429: stats.rateLimited / stats.requests,
    accepted: inWindow,
    requests: stats.requests,
    rateLimited: stats.rateLimited,
    failed,
    maxInFlight: provider.maxInFlight,
    lateThroughput: late / BucketProvider.LIMIT_RPM,
  };
}

function report(label: string, r: SimResult): void {
  // One line per variant, for the record (not asserted on).
  console.log(
    `${label}: throughput ${(r.throughput * 100).toFixed(1)}% (last 60 s ${(r.lateThroughput * 100).toFixed(1)}%), ` +
      `429s ${r.rateLimited}/${r.requests} = ${(r.share429 * 100).toFixed(2)}%, failed ${r.failed}, max in flight ${r.maxInFlight}`,
  );
}

describe("Scheduler against a 600 rpm token-bucket provider (fake time, 50 callers, 120 s)", () => {
  const seeds = [1, 2, 3];

  it.each(seeds)("rpm 600 given: at least 95 percent of the limit, at most 2 percent 429s (seed %i)", async (seed) => {
    const r = await simulate({ rpm: 600, headers: false, seed });
    report(`rpm=600 seed=${seed}`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.95);
    expect(r.share429).toBeLessThanOrEqual(0.02);
    expect(r.failed).toBe(0);
  });

  it.each(seeds)("no rpm, headers: at least 90 percent of the limit, at most 2 percent 429s (seed %i)", async (seed) => {
    const r = await simulate({ headers: true, seed });
    report(`headers seed=${seed}`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.9);
    expect(r.share429).toBeLessThanOrEqual(0.02);
    expect(r.failed).toBe(0);
  });

  it.each(seeds)("no rpm, no headers (429s only): converges to at least 80 percent, at most 5 percent 429s (seed %i)", async (seed) => {
    const r = await simulate({ headers: false, seed });
    report(`429-only seed=${seed}`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.8);
    expect(r.lateThroughput).toBeGreaterThanOrEqual(0.8);
    expect(r.share429).toBeLessThanOrEqual(0.05);
    expect(r.failed).toBe(0);
  });

  // Robustness: slow, jittery network (requests reach the provider 0–250 ms after dispatch) and a
  // small concurrency cap; same targets.
  it.each([
    ["rpm 600", { rpm: 600, headers: false }, 0.95, 0.02],
    ["headers", { headers: true }, 0.9, 0.02],
    ["429s only", { headers: false }, 0.8, 0.05],
  ] as const)("%s with 0-250 ms network jitter and concurrency 8 still meets the targets", async (label, v, minThroughput, max429) => {
    const r = await simulate({ ...v, seed: 7, uplinkMs: 250, concurrency: 8 });
    report(`${label}, jitter 250 ms, concurrency 8`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(minThroughput);
    expect(r.share429).toBeLessThanOrEqual(max429);
    expect(r.failed).toBe(0);
    expect(r.maxInFlight).toBeLessThanOrEqual(8);
  });

  // The user's rpm is twice what the provider really allows (and it sends no headers): AIMD under
  // the user's ceiling finds the real limit from 429s.
  it("rpm 1200 given against the 600 rpm provider: AIMD settles near the real limit", async () => {
    const r = await simulate({ rpm: 1200, headers: false, seed: 5 });
    report("rpm=1200 (provider 600)", r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.85);
    expect(r.share429).toBeLessThanOrEqual(0.05);
    expect(r.failed).toBe(0);
  });
});
