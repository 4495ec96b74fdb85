import { describe, expect, it } from "vitest";
import { FakeClock } from "../../support/fake-clock.js";
import { Scheduler } from "../../../src/lm/scheduler/scheduler.js";
import { steadyLoad } from "../../support/scheduler-load.js";
import { SimulatedProvider, type HeaderStamp, type Span } from "../../support/simulated-provider.js";

const LIMIT_RPM = 600;

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

/**
 * `callers` callers (50 by default) keep a scheduler busy against a provider enforcing 600
 * requests/min as a token bucket (capacity 10, refill 10/s): requests reach it after 0–20 ms
 * (`uplinkMs`), it answers after 50–300 ms (`latencyMs`), and 429s with retry-after-ms after
 * 20–100 ms. Optionally it sends rate-limit headers, stamped at admission like OpenAI and Anthropic.
 */
async function simulate(opts: {
  rpm?: number;
  headers: boolean | HeaderStamp;
  seed: number;
  seconds?: number;
  callers?: number;
  uplinkMs?: number;
  latencyMs?: Span;
  burstSeconds?: number;
  concurrency?: number;
}): Promise<SimResult> {
  const seconds = opts.seconds ?? 120;
  const end = seconds * 1000;
  const clock = new FakeClock(0);
  const headers: HeaderStamp = opts.headers === true ? "admission" : opts.headers === false ? "none" : opts.headers;
  const provider = new SimulatedProvider({
    clock,
    seed: opts.seed,
    rpm: LIMIT_RPM,
    headers,
    uplinkMs: { min: 0, max: opts.uplinkMs ?? 20 },
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.burstSeconds !== undefined ? { burstSeconds: opts.burstSeconds } : {}),
  });
  const scheduler = new Scheduler({
    name: "mock:model",
    concurrency: opts.concurrency ?? 50,
    ...(opts.rpm !== undefined ? { rpm: opts.rpm } : {}),
    clock,
    seed: opts.seed,
  });
  const { failed, stats } = await steadyLoad(clock, scheduler, (signal) => provider.call(signal), {
    callers: opts.callers ?? 50,
    durationMs: end,
  });
  const inWindow = provider.acceptedAt.filter((t) => t < end).length;
  return {
    throughput: provider.fractionOfLimit(0, end),
    share429: stats.rateLimited / stats.requests,
    accepted: inWindow,
    requests: stats.requests,
    rateLimited: stats.rateLimited,
    failed,
    maxInFlight: provider.maxInFlight,
    lateThroughput: provider.fractionOfLimit(end - 60_000, end),
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

// Issue 10, item 4. Real providers stamp `remaining` when they admit a request, and an LLM answers
// seconds later: the headers must be read relative to what was sent after the request (and the
// refill since), or the scheduler holds itself back. Ten simulated minutes each.
describe("Scheduler against rate-limit headers stamped at admission (fake time, 600 rpm, 10 min)", () => {
  const fast = { latencyMs: { min: 20, max: 80 }, uplinkMs: 1, callers: 32, concurrency: 32 };
  const slow = { latencyMs: { min: 2000, max: 5000 }, uplinkMs: 20, callers: 100, concurrency: 100 };
  it.each([
    ["20-80 ms", "admission", "no rpm", fast],
    ["20-80 ms", "admission", "rpm 600", fast],
    ["20-80 ms", "answer", "no rpm", fast],
    ["2-5 s", "admission", "no rpm", slow],
    ["2-5 s", "admission", "rpm 600", slow],
    ["2-5 s", "answer", "no rpm", slow],
  ] as const)("latency %s, headers stamped at %s, %s: at least 97 percent of the limit, at most 1 percent 429s", async (label, stamp, given, v) => {
    const rpm = given === "rpm 600" ? 600 : undefined;
    const r = await simulate({ ...v, headers: stamp, seed: 11, seconds: 600, ...(rpm !== undefined ? { rpm } : {}) });
    report(`${label}, stamped at ${stamp}, rpm ${rpm ?? "-"}`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.97);
    expect(r.share429).toBeLessThanOrEqual(0.01);
    expect(r.failed).toBe(0);
  });

  // A provider with almost no burst (capacity 1): its `remaining` is 0 at nearly every admission,
  // and reading that as "wait for the reset" stalled dispatch.
  it.each(["no rpm", "rpm 600"])("a provider with no burst to speak of, %s: still at least 97 percent", async (given) => {
    const rpm = given === "rpm 600" ? 600 : undefined;
    const r = await simulate({ ...fast, headers: "admission", burstSeconds: 0.1, seed: 12, seconds: 600, ...(rpm !== undefined ? { rpm } : {}) });
    report(`burst 0.1 s, rpm ${rpm ?? "-"}`, r);
    expect(r.throughput).toBeGreaterThanOrEqual(0.97);
    expect(r.share429).toBeLessThanOrEqual(0.01);
    expect(r.failed).toBe(0);
  });
});
