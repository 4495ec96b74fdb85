import { describe, expect, it } from "vitest";
import { LMCallError, type RateLimitInfo } from "../../../src/lm/call-error.js";
import { FakeClock } from "../../support/fake-clock.js";
import { MAX_RATE_LIMIT_RETRIES, Scheduler } from "../../../src/lm/scheduler/scheduler.js";
import { PACING_MARGIN } from "../../../src/lm/scheduler/rate-control.js";
import type { AttemptContext, AttemptResult, SchedulerOptions } from "../../../src/lm/scheduler/types.js";
import { ProviderError, type FatalCause } from "../../../src/util/errors.js";
import { harness } from "./helpers.js";

const rateLimited = (retryAfterMs?: number, extra: RateLimitInfo = {}): LMCallError =>
  new LMCallError("rate_limit", "429 Too Many Requests", {
    status: 429,
    rateLimit: { ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), ...extra },
  });
const transient = (message = "503 Service Unavailable"): LMCallError => new LMCallError("transient", message, { status: 503 });
const fatal = (cause?: FatalCause, message = "401 invalid api key"): LMCallError =>
  new LMCallError("fatal", message, { status: 401, ...(cause ? { fatalCause: cause } : {}) });

interface Step {
  /** Fake ms the attempt takes. */
  after?: number;
  ok?: AttemptResult<string>;
  error?: unknown;
}

/** An attempt function that plays `steps` in order (then `rest` forever), recording start times. */
function scripted(clock: FakeClock, steps: Step[], rest: Step = {}) {
  const starts: number[] = [];
  const fn = async ({ signal }: AttemptContext): Promise<AttemptResult<string>> => {
    const step = steps[starts.length] ?? rest;
    starts.push(clock.now());
    await clock.sleep(step.after ?? 0, signal);
    if (step.error !== undefined) throw step.error;
    return step.ok ?? { value: "ok" };
  };
  return { fn, starts };
}

function make(clock: FakeClock, options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({ name: "test:model", concurrency: 4, clock, seed: 1, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject");
}

describe("concurrency and fairness", () => {
  it("never has more than `concurrency` attempts in flight and starts calls in arrival order", async () => {
    const h = harness({ concurrency: 2, rpm: 60_000 });
    const calls = ["a", "b", "c", "d", "e"].map((id) => h.call(id));
    await h.clock.flush();
    expect(h.attempts.map((a) => a.id)).toEqual(["a", "b"]);
    expect(h.scheduler.stats()).toMatchObject({ inFlight: 2, queued: 3 });

    h.last("b").succeed();
    await h.clock.flush();
    expect(h.attempts.map((a) => a.id)).toEqual(["a", "b", "c"]);
    h.last("a").succeed();
    h.last("c").succeed();
    await h.clock.flush();
    expect(h.attempts.map((a) => a.id)).toEqual(["a", "b", "c", "d", "e"]);
    h.open().forEach((a) => a.succeed());
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual(["a", "b", "c", "d", "e"]);
    expect(h.maxInFlight()).toBe(2);
    expect(h.scheduler.stats()).toMatchObject({ inFlight: 0, queued: 0, requests: 5, succeeded: 5 });
  });

  it("a retried call keeps its place ahead of calls that came after it", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000, backoffBaseMs: 100, backoffMaxMs: 100 });
    h.call("a");
    h.call("b");
    h.call("c");
    await h.clock.flush();
    h.last("a").fail(transient());
    await h.clock.flush();
    expect(h.last("b").startedAt).toBe(0); // a backs off; b takes the slot
    await h.clock.advance(500); // a's backoff (< 100 ms) is over while b is still out
    h.last("b").succeed();
    await h.clock.flush();
    expect(h.attempts.map((x) => `${x.id}${x.n}`)).toEqual(["a1", "b1", "a2"]);
  });

  it("with no limit given, sends one attempt until the first answer, then runs at full concurrency unpaced", async () => {
    const h = harness({ concurrency: 4 });
    for (const id of ["a", "b", "c", "d", "e"]) h.call(id);
    await h.clock.advance(1);
    expect(h.attempts).toHaveLength(1);
    expect(h.scheduler.stats().currentRpm).toBeUndefined();
    h.last("a").succeed();
    await h.clock.flush();
    // No headers, no 429: a local server (vLLM, llama.cpp, Ollama) is not throttled at all.
    expect(h.attempts).toHaveLength(5);
    expect(h.scheduler.stats().currentRpm).toBeUndefined();
  });
});

describe("request and token buckets", () => {
  it("paces at the rpm (less a small margin) with a burst of about one second", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 600, concurrency: 100 });
    const { fn, starts } = scripted(clock, [], { after: 5 });
    for (let i = 0; i < 60; i++) s.run(0, fn).catch(() => {});
    await clock.flush();
    expect(s.stats().currentRpm).toBeCloseTo(600 * PACING_MARGIN, 6);
    expect(starts.length).toBe(9); // a burst of 9.8 → 9 whole requests
    await clock.advanceTo(5000);
    // 9.8 per second after the burst: 9 + 4.9 s × 9.8/s ≈ 57
    expect(starts.length).toBeGreaterThanOrEqual(56);
    expect(starts.length).toBeLessThanOrEqual(58);
    const gaps = starts.slice(10).map((t, i) => t - starts[9 + i]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(102);
      expect(g).toBeLessThanOrEqual(105);
    }
  });

  it("charges the estimate up front and refunds what the call did not use", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, tpm: 6000 }); // 97 tokens/s, capacity 97
    const { fn, starts } = scripted(clock, [{ ok: { value: "x", tokens: 10 } }, { ok: { value: "y", tokens: 10 } }]);
    const x = s.run(50, fn);
    const y = s.run(50, fn); // 97 − 50 − 50 = −3
    await clock.flush();
    await Promise.all([x, y]); // refunds 40 + 40 → 77
    const z = s.run(50, fn);
    await clock.flush();
    expect(starts).toEqual([0, 0, 0]);
    await z;
  });

  it("without a reported usage, the estimate stands and the next call waits for the refill", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, tpm: 6000 });
    const { fn, starts } = scripted(clock, []);
    await clock.run(Promise.all([s.run(50, fn), s.run(50, fn)])); // capacity 98 (6000 × 0.98 / 60), level −2
    const z = s.run(50, fn);
    await clock.run(z);
    // (50 + 2) / 98 per second = 530.6 ms, woken on the next whole millisecond
    expect(starts[2]).toBe(531);
  });

  it("charges extra when the call used more than estimated", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, tpm: 6000 });
    const { fn, starts } = scripted(clock, [{ ok: { value: "x", tokens: 150 } }]);
    await clock.run(s.run(50, fn)); // 98 − 50 − 100 = −52
    await clock.run(s.run(50, fn));
    // (50 + 52) / 0.098 = 1040.8 ms
    expect(starts[1]).toBe(1041);
  });

  it("a call estimated above the bucket's capacity still runs (charged up to capacity)", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, tpm: 6000 });
    const { fn, starts } = scripted(clock, [], { ok: { value: "big" } });
    const first = s.run(10_000, fn);
    const second = s.run(10_000, fn);
    expect(await clock.run(Promise.all([first, second]), 60_000)).toEqual(["big", "big"]);
    expect(starts[0]).toBe(0);
    // the second waits for a full bucket (97 tokens at 97/s)
    expect(starts[1]).toBeGreaterThanOrEqual(1000);
    expect(starts[1]).toBeLessThanOrEqual(1001);
  });
});

describe("rate-limit headers", () => {
  it("adopts the provider's limits when the user gave none", async () => {
    const h = harness({ concurrency: 8 });
    for (const id of ["a", "b", "c", "d"]) h.call(id);
    await h.clock.flush();
    h.last("a").succeed("a", { rateLimit: { limitRequests: 120, remainingRequests: 100, resetRequestsMs: 500, limitTokens: 40_000 } });
    await h.clock.flush();
    const st = h.scheduler.stats();
    expect(st.limitRpm).toBe(120);
    expect(st.currentRpm).toBeCloseTo(117.6, 6);
    expect(st.limitTpm).toBe(40_000);
    // burst capacity 1.96 requests → one more now, the next when the remaining 0.04 refills
    expect(h.attempts).toHaveLength(2);
    await h.clock.advance(100);
    expect(h.attempts).toHaveLength(3);
    expect(h.last("c").startedAt).toBe(21); // (1 − 0.96) / 1.96 per second = 20.4 ms
  });

  it("an explicit limit is never raised by headers, but a lower provider limit wins", async () => {
    const h = harness({ rpm: 600, tpm: 10_000 });
    h.call("a");
    h.call("b");
    await h.clock.flush();
    h.last("a").succeed("a", { rateLimit: { limitRequests: 1200, limitTokens: 60_000 } });
    await h.clock.flush();
    expect(h.scheduler.stats()).toMatchObject({ limitRpm: 600, limitTpm: 10_000 });
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(600 * PACING_MARGIN, 6);
    h.last("b").succeed("b", { rateLimit: { limitRequests: 300, limitTokens: 5000 } });
    await h.clock.flush();
    expect(h.scheduler.stats()).toMatchObject({ limitRpm: 300, limitTpm: 5000 });
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(300 * PACING_MARGIN, 6);
  });

  it("does not overrun what the provider says remains", async () => {
    const h = harness({ concurrency: 20 });
    for (let i = 0; i < 10; i++) h.call(`c${i}`);
    await h.clock.flush();
    h.last("c0").succeed("c0", { rateLimit: { limitRequests: 600, remainingRequests: 2, resetRequestsMs: 800 } });
    await h.clock.flush();
    expect(h.attempts.map((a) => a.startedAt)).toEqual([0, 0, 0]); // probe + the 2 remaining, not a burst of 9
    await h.clock.advance(110);
    expect(h.attempts).toHaveLength(4); // then paced at 9.7/s
  });

  it("remaining 0 holds dispatch until the reset when no rate is known", async () => {
    const h = harness({ concurrency: 4 });
    h.call("a");
    h.call("b");
    await h.clock.flush();
    h.last("a").succeed("a", { rateLimit: { remainingRequests: 0, resetRequestsMs: 500 } });
    await h.clock.advance(499);
    expect(h.attempts).toHaveLength(1);
    expect(h.scheduler.stats().heldUntil).toBe(500);
    await h.clock.advance(1);
    expect(h.attempts).toHaveLength(2);
    expect(h.last("b").startedAt).toBe(500);
  });

  // This test pinned the old reading: "remaining 0" held dispatch until the reset (capped at 1 s).
  // But the reset is when the provider's window is full again; with the rate known, the next
  // request fits as soon as one has refilled.
  it("remaining 0 with a known rate waits for one request to refill, not for the reset", async () => {
    const h = harness({ rpm: 600, concurrency: 2 });
    h.call("a");
    h.call("b");
    h.call("c");
    await h.clock.flush();
    // Stamped when a was admitted (t=0): b, sent after a, is not counted in it yet.
    h.last("a").succeed("a", { rateLimit: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: 30_000 } });
    h.last("b").succeed();
    await h.clock.flush();
    expect(h.scheduler.stats().heldUntil).toBe(0);
    // The provider has −1 (b) left: c goes when two have refilled at 9.8/s (204.1 ms).
    await h.clock.advance(204);
    expect(h.attempts).toHaveLength(2);
    await h.clock.advance(1);
    expect(h.last("c").startedAt).toBe(205);
  });

  it("a remaining stamped at admission counts the refill since then and every request sent after", async () => {
    const h = harness({ rpm: 600, concurrency: 20 });
    for (let i = 0; i < 12; i++) h.call(`c${i}`);
    await h.clock.flush();
    expect(h.attempts).toHaveLength(9); // the burst: 9.8 requests
    await h.clock.advance(1000); // the other 3 went as the bucket refilled: it holds 7.6 now
    expect(h.attempts).toHaveLength(12);
    // c0 (sent at 0) answers after 1 s with the remaining stamped when it was admitted: 3.
    // Since then the provider refilled 10 and took the 11 sent after c0: 2 left.
    h.last("c0").succeed("c0", { rateLimit: { limitRequests: 600, remainingRequests: 3, resetRequestsMs: 700 } });
    await h.clock.flush();
    for (let i = 12; i < 20; i++) h.call(`c${i}`);
    await h.clock.flush();
    expect(h.attempts).toHaveLength(14); // 2 more, not 6 (our bucket) and not none (3 − 11 < 0)
    await h.clock.advance(103);
    expect(h.attempts).toHaveLength(15); // then paced
  });

  it("remaining 0 from an attempt sent long ago: the requests sent after it that the refill does not cover", async () => {
    const h = harness({ rpm: 600, concurrency: 50 });
    for (let i = 0; i < 40; i++) h.call(`c${i}`);
    await h.clock.advanceTo(3200); // 9 at once, then 9.8/s: all 40 out
    expect(h.attempts).toHaveLength(40);
    // c0's remaining 0, stamped 3.2 s ago: 32 refilled since, 39 sent after → 7 short.
    h.last("c0").succeed("c0", { rateLimit: { limitRequests: 600, remainingRequests: 0 } });
    await h.clock.flush();
    h.call("next");
    await h.clock.flush();
    const wait = (1 + 7) / ((600 * PACING_MARGIN) / 60_000);
    await h.clock.advance(Math.ceil(wait) - 1);
    expect(h.attempts).toHaveLength(40);
    await h.clock.advance(2);
    expect(h.attempts).toHaveLength(41);
  });

  it("a remaining reading holds dispatch back by at most one burst below empty", async () => {
    const h = harness({ rpm: 2400, concurrency: 50 }); // a burst of 39
    for (let i = 0; i < 39; i++) h.call(`c${i}`);
    await h.clock.flush();
    expect(h.attempts).toHaveLength(39);
    // The provider says its limit is 600 and nothing is left, the 38 sent after c0 not counted:
    // 38 short. At 9.8/s that would stop dispatch for 4 s; it counts as one burst (9.8) at most.
    h.last("c0").succeed("c0", { rateLimit: { limitRequests: 600, remainingRequests: 0 } });
    await h.clock.flush();
    h.call("next");
    await h.clock.flush();
    const wait = (1 + 600 * PACING_MARGIN / 60) / ((600 * PACING_MARGIN) / 60_000);
    await h.clock.advance(Math.ceil(wait) - 1);
    expect(h.attempts).toHaveLength(39);
    await h.clock.advance(2);
    expect(h.attempts).toHaveLength(40);
  });

  it("remaining tokens stamped at admission: the refill since and the tokens sent after count", async () => {
    const h = harness({ rpm: 60_000, tpm: 60_000, concurrency: 10 }); // 980 tokens/s, capacity 980
    h.call("a", { tokens: 100 });
    h.call("b", { tokens: 100 });
    await h.clock.advance(500);
    // a's remaining 200, stamped at its admission 500 ms ago: +500 refilled, −100 for b → 600.
    h.last("a").succeed("a", { tokens: 100, rateLimit: { limitTokens: 60_000, remainingTokens: 200 } });
    await h.clock.flush();
    h.call("c", { tokens: 500 });
    h.call("d", { tokens: 200 });
    await h.clock.flush();
    expect(h.attempts.map((x) => x.id)).toEqual(["a", "b", "c"]); // 600 − 500 = 100 left: d waits
    await h.clock.advance(103); // (200 − 100) / 0.98 per ms = 102.04 ms
    expect(h.attempts.map((x) => x.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("learns from the headers on a 429 too", async () => {
    const h = harness({ concurrency: 4 });
    h.call("a");
    await h.clock.flush();
    h.last("a").fail(rateLimited(100, { limitRequests: 300, remainingRequests: 0 }));
    await h.clock.flush();
    expect(h.scheduler.stats().limitRpm).toBe(300);
  });
});

describe("429: pause, slow down, retry", () => {
  it("pauses all dispatch until retry-after, then retries the call first", async () => {
    const h = harness({ concurrency: 2, rpm: 60_000 });
    for (const id of ["a", "b", "c", "d"]) h.call(id);
    await h.clock.advance(10);
    h.last("a").fail(rateLimited(2000));
    await h.clock.flush();
    expect(h.scheduler.stats()).toMatchObject({ pausedUntil: 2010, rateLimited: 1, retries: 0, inFlight: 1, queued: 3 });
    await h.clock.advance(100);
    h.last("b").succeed(); // a free slot does not end the pause
    await h.clock.advanceTo(2009);
    expect(h.attempts.map((a) => a.id)).toEqual(["a", "b"]);
    await h.clock.advanceTo(2010);
    expect(h.attempts[2]).toMatchObject({ id: "a", n: 2, startedAt: 2010 });
    expect(h.scheduler.stats().pausedUntil).toBe(0);
  });

  it("lifts the pause once most attempts sent after the refused one are admitted; the refused call still waits its retry-after", async () => {
    const h = harness({ concurrency: 8, rpm: 60_000 });
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for (const id of ids) h.call(id);
    await h.clock.advance(10);
    h.last("a").fail(rateLimited(2000)); // b-h were sent after it: 7 witnesses
    await h.clock.flush();
    expect(h.scheduler.stats().pausedUntil).toBe(2010);
    for (const id of ["b", "c", "d", "e"]) h.last(id).succeed();
    await h.clock.advance(10);
    expect(h.attempts.map((x) => x.id)).toEqual(ids.slice(0, 8)); // 4 of the window of 8: still paused
    h.last("f").succeed(); // 5 of 8
    await h.clock.advance(10);
    expect(h.scheduler.stats().pausedUntil).toBe(0);
    expect(h.attempts.slice(8).map((x) => [x.id, x.startedAt])).toEqual([
      ["i", 20],
      ["j", 20],
    ]); // before: not until 2010
    await h.clock.advanceTo(2009);
    expect(h.attempts.filter((x) => x.id === "a")).toHaveLength(1);
    await h.clock.advanceTo(2010);
    expect(h.last("a")).toMatchObject({ n: 2, startedAt: 2010 });
  });

  it("pauses one second when the 429 says nothing", async () => {
    const h = harness({ rpm: 60_000 });
    h.call("a");
    await h.clock.advance(5);
    h.last("a").fail(rateLimited());
    await h.clock.flush();
    expect(h.scheduler.stats().pausedUntil).toBe(1005);
  });

  it("concurrent 429s extend the pause; they do not stack", async () => {
    const h = harness({ rpm: 60_000 });
    h.call("a");
    h.call("b");
    await h.clock.advance(10);
    h.last("a").fail(rateLimited(1000));
    await h.clock.advance(10);
    h.last("b").fail(rateLimited(1000));
    await h.clock.flush();
    expect(h.scheduler.stats().pausedUntil).toBe(1020);
    h.call("c");
    await h.clock.advanceTo(1019);
    expect(h.attempts).toHaveLength(2);
  });

  // Replaces "lowers the rate once per episode (×0.7)", which pinned the bug of issue 10: a batch of
  // 429s at the start (nothing admitted in between) cut the rate, whatever had been working before.
  it("a single 429 after a good stretch pauses for retry-after and leaves the rate as it was", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 600, concurrency: 10 });
    let n = 0;
    const fn = async ({ signal }: AttemptContext): Promise<AttemptResult<string>> => {
      const i = n++;
      await clock.sleep(50, signal);
      if (i === 40) throw rateLimited(1000);
      return { value: "ok" };
    };
    const starts: number[] = [];
    const calls = Array.from({ length: 60 }, () => s.run(0, (ctx) => (starts.push(clock.now()), fn(ctx))));
    await clock.run(Promise.all(calls));
    const refusedAt = starts[40]! + 50;
    const pauseEnd = refusedAt + 1000;
    // Nothing went out during the pause.
    expect(starts.filter((t) => t > refusedAt && t < pauseEnd)).toEqual([]);
    // Then the rest at the same pace as before: the 1 s of allowance the pause refilled, then 9.8/s.
    const rest = starts.filter((t) => t >= pauseEnd);
    expect(rest.length).toBeGreaterThan(12);
    expect(rest.filter((t) => t === pauseEnd)).toHaveLength(9);
    for (let i = 10; i < rest.length; i++) expect(rest[i]! - rest[i - 1]!).toBeLessThanOrEqual(103);
    expect(s.stats()).toMatchObject({ rateLimited: 1, succeeded: 60 });
    expect(s.stats().currentRpm).toBeCloseTo(600 * PACING_MARGIN, 6);
  });

  it("repeated 429s lower the rate once per episode (×0.7), and it climbs back", async () => {
    const h = harness({ rpm: 60_000, concurrency: 4 });
    for (const id of ["a", "b", "c", "d"]) h.call(id);
    await h.clock.advance(10);
    h.last("a").fail(rateLimited(100)); // in the first seconds of sending: no good stretch to protect
    await h.clock.flush();
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * 0.7 * PACING_MARGIN, 6);
    h.last("b").succeed(); // the provider admitted part of the batch: the rate is what it refused
    h.last("c").fail(rateLimited(100)); // same batch, same episode: not 0.7²
    await h.clock.flush();
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * 0.7 * PACING_MARGIN, 6);
    h.last("d").succeed();
    // keep succeeding: +2 % of the explicit 60,000 per second → back at the paced limit within ~15 s
    const clock = h.clock;
    const more = (async () => {
      while (clock.now() < 20_000) await h.scheduler.run(0, async ({ signal }) => (await clock.sleep(50, signal), { value: "ok" }));
    })();
    await clock.run(more);
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * PACING_MARGIN, 6);
  });

  it("a batch refused whole after a pause (the provider refusing everything) does not lower the rate for good", async () => {
    const h = harness({ rpm: 60_000, concurrency: 4 });
    for (const id of ["a", "b", "c", "d"]) h.call(id);
    await h.clock.flush();
    for (const id of ["a", "b", "c", "d"]) h.last(id).fail(rateLimited(1000));
    await h.clock.advanceTo(1000);
    expect(h.attempts).toHaveLength(8);
    h.last("a").fail(rateLimited(1000)); // still refusing: a repeat, so the rate comes down at once…
    await h.clock.flush();
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * 0.7 * PACING_MARGIN, 6);
    for (const id of ["b", "c", "d"]) h.last(id).fail(rateLimited(1000)); // …and back up: nothing got through
    await h.clock.flush();
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * PACING_MARGIN, 6);
    await h.clock.advanceTo(2000);
    for (const id of ["a", "b", "c", "d"]) h.last(id).succeed();
    await h.clock.flush();
    expect(h.scheduler.stats()).toMatchObject({ rateLimited: 8, succeeded: 4 });
    expect(h.scheduler.stats().currentRpm).toBeCloseTo(60_000 * PACING_MARGIN, 6);
  });

  it("429 retries do not use up the transient budget", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, maxAttempts: 2, backoffBaseMs: 10 });
    const { fn, starts } = scripted(clock, [
      { error: rateLimited(10) },
      { error: rateLimited(10) },
      { error: rateLimited(10) },
      { error: transient() },
      { ok: { value: "finally" } },
    ]);
    expect(await clock.run(s.run(0, fn))).toBe("finally");
    expect(starts).toHaveLength(5);
    expect(s.stats()).toMatchObject({ requests: 5, rateLimited: 3, retries: 1, succeeded: 1, failed: 0 });
  });

  it(`gives up after ${MAX_RATE_LIMIT_RETRIES} 429 retries with the last 429`, async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000 });
    const errors: LMCallError[] = [];
    const fn = async (): Promise<AttemptResult<string>> => {
      const e = rateLimited(10);
      errors.push(e);
      throw e;
    };
    const err = await rejection(clock.run(s.run(0, fn)));
    expect(err).toBe(errors[errors.length - 1]);
    expect(errors).toHaveLength(MAX_RATE_LIMIT_RETRIES + 1);
    expect(s.stats()).toMatchObject({ rateLimited: MAX_RATE_LIMIT_RETRIES + 1, failed: 1, breakerOpen: false });
  });
});

describe("transient failures and timeouts", () => {
  it("retries with exponential backoff and full jitter, then rejects with the last error", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 500, breakerThreshold: 100 });
    const errors: LMCallError[] = [];
    const starts: number[] = [];
    const fn = async (): Promise<AttemptResult<string>> => {
      starts.push(clock.now());
      const e = transient(`boom ${errors.length + 1}`);
      errors.push(e);
      throw e;
    };
    const err = await rejection(clock.run(s.run(0, fn)));
    expect(err).toBe(errors[4]);
    expect(starts).toHaveLength(5);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    const caps = [100, 200, 400, 500];
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(0);
      expect(g).toBeLessThanOrEqual(caps[i]! + 1);
    });
    expect(s.stats()).toMatchObject({ requests: 5, retries: 4, failed: 1, succeeded: 0 });
  });

  it("jitter is reproducible from the seed", async () => {
    const run = async (seed: number): Promise<number[]> => {
      const clock = new FakeClock();
      const s = make(clock, { rpm: 60_000, seed, maxAttempts: 6, backoffBaseMs: 1000, backoffMaxMs: 60_000, breakerThreshold: 100 });
      const { fn, starts } = scripted(clock, [], { error: transient() });
      await rejection(clock.run(s.run(0, fn)));
      return starts;
    };
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  it("recovers when a retry succeeds", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000 });
    const { fn } = scripted(clock, [{ error: transient() }, { error: transient("connection reset") }, { ok: { value: "fine" } }]);
    expect(await clock.run(s.run(0, fn))).toBe("fine");
    expect(s.stats()).toMatchObject({ requests: 3, retries: 2, succeeded: 1, failed: 0 });
  });

  it("an attempt that runs out of time is given up and retried as transient, and is told its timeout", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, timeoutMs: 1000, maxAttempts: 2, backoffBaseMs: 10 });
    const contexts: AttemptContext[] = [];
    const starts: number[] = [];
    const fn = (context: AttemptContext): Promise<AttemptResult<string>> => {
      contexts.push(context);
      starts.push(clock.now());
      return new Promise(() => {}); // never answers, ignores its timeout
    };
    const err = await rejection(clock.run(s.run(0, fn)));
    expect(err).toBeInstanceOf(LMCallError);
    expect((err as LMCallError).kind).toBe("transient");
    expect((err as LMCallError).message).toMatch(/timed out/);
    // The attempt hands this to its HTTP client, so the request itself stops at the same moment.
    expect(contexts.map((c) => c.timeoutMs)).toEqual([1000, 1000]);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThanOrEqual(1000);
    expect(s.stats()).toMatchObject({ requests: 2, retries: 1, failed: 1, timeouts: 2, inFlight: 0 });
  });
});

describe("fatal errors", () => {
  it("rejects at once with a ProviderError and stops every waiting and future call", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    const a = h.call("a");
    const b = h.call("b");
    const c = h.call("c");
    await h.clock.flush();
    h.last("a").fail(fatal("auth"));
    await h.clock.flush();
    const err = a.settled.error as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.provider).toBe("test:model");
    expect(err.cause_).toBe("auth");
    expect(err.message).toBe("authentication failed (check the API key): 401 invalid api key");
    // waiting calls rejected without advancing time, with the same error, never attempted
    expect(b.settled.error).toBe(err);
    expect(c.settled.error).toBe(err);
    const d = h.call("d");
    await h.clock.flush();
    expect(d.settled.error).toBe(err);
    expect(h.attempts).toHaveLength(1);
    expect(h.scheduler.stats()).toMatchObject({ failed: 4, queued: 0, inFlight: 0, requests: 1 });
  });

  it("defaults the cause to invalid_request", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000 });
    const { fn } = scripted(clock, [{ error: fatal(undefined, "400 bad request") }]);
    const err = (await rejection(clock.run(s.run(0, fn)))) as ProviderError;
    expect(err.cause_).toBe("invalid_request");
    expect(err.message).toMatch(/rejected the request as invalid/);
  });

  it("calls backing off are stopped too, and in-flight successes still count", async () => {
    const h = harness({ concurrency: 3, rpm: 60_000, backoffBaseMs: 10_000, backoffMaxMs: 10_000 });
    const a = h.call("a");
    const b = h.call("b");
    const c = h.call("c");
    await h.clock.flush();
    h.last("a").fail(transient()); // a backs off (up to 10 s)
    await h.clock.flush();
    h.last("b").fail(fatal("quota"));
    await h.clock.flush();
    expect(a.settled.error).toBeInstanceOf(ProviderError);
    expect(b.settled.error).toBe(a.settled.error);
    expect(c.settled.done).toBe(false);
    h.last("c").succeed("c");
    expect(await c.promise).toBe("c");
  });
});

describe("rejected requests", () => {
  const rejected = (): LMCallError => new LMCallError("rejected", "the prompt is too long for the model (400)", { status: 400 });

  it("fail that call at once, without a retry, and the others go on", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, maxAttempts: 5, backoffBaseMs: 100 });
    const { fn, starts } = scripted(clock, [{ error: rejected() }, { ok: { value: "next" } }]);
    const err = await rejection(clock.run(s.run(0, fn)));
    expect(err).toBeInstanceOf(LMCallError);
    expect((err as LMCallError).kind).toBe("rejected");
    expect(starts).toHaveLength(1);
    expect(await clock.run(s.run(0, fn))).toBe("next");
    expect(s.stats()).toMatchObject({ requests: 2, retries: 0, failed: 1, succeeded: 1, breakerOpen: false });
  });

  it("never open the breaker: the endpoint answered", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, concurrency: 1, breakerThreshold: 3, maxAttempts: 2, backoffBaseMs: 1 });
    const { fn } = scripted(clock, [{ error: transient() }, { error: transient() }], { error: rejected() });
    // two transient failures, then rejections: the count restarts, so 10 more calls never trip it
    expect(((await rejection(clock.run(s.run(0, fn)))) as LMCallError).kind).toBe("transient");
    for (let i = 0; i < 10; i++) expect(((await rejection(clock.run(s.run(0, fn)))) as LMCallError).kind).toBe("rejected");
    expect(s.stats()).toMatchObject({ breakerOpen: false, requests: 12, failed: 11 });
  });
});

describe("circuit breaker", () => {
  it("opens after N consecutive transient failures across calls and stops everything", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000, breakerThreshold: 3, breakerWindowMs: 0, maxAttempts: 2, backoffBaseMs: 1 });
    const a = h.call("a");
    const b = h.call("b");
    const c = h.call("c");
    await h.clock.flush();
    h.last("a").fail(transient());
    await h.clock.advance(5);
    h.last("b").fail(transient()); // b went while a backed off
    await h.clock.advance(5);
    expect(h.last("a").n).toBe(2);
    h.last("a").fail(transient("502 bad gateway"));
    await h.clock.flush();
    const err = a.settled.error as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.cause_).toBe("unavailable");
    expect(err.provider).toBe("test:model");
    expect(err.message).toBe("failed 3 times in a row over 10 ms (last error: 502 bad gateway); the endpoint looks down");
    expect(b.settled.error).toBe(err);
    expect(c.settled.error).toBe(err);
    expect(h.scheduler.stats().breakerOpen).toBe(true);
    const d = h.call("d");
    await h.clock.flush();
    expect(d.settled.error).toBe(err);
  });

  /** 200 calls at concurrency 64, each attempt taking 50 ms; attempts fail with a 502 while `down(now)`. */
  async function outage(down: (now: number) => boolean, options: Partial<SchedulerOptions> = {}) {
    const clock = new FakeClock();
    const s = make(clock, { concurrency: 64, rpm: 600_000, ...options });
    const failures: number[] = [];
    const fn = async ({ signal }: AttemptContext): Promise<AttemptResult<string>> => {
      await clock.sleep(50, signal);
      if (down(clock.now())) {
        failures.push(clock.now());
        throw new LMCallError("transient", "502 Bad Gateway", { status: 502 });
      }
      return { value: "ok" };
    };
    const calls = Array.from({ length: 200 }, () => s.run(0, fn).then((value) => ({ value }), (error: unknown) => ({ error })));
    const results = await clock.run(Promise.all(calls));
    return { clock, s, failures, results };
  }

  it("stays closed through a one-second burst of 502s across 64 calls in flight: every call retries and succeeds", async () => {
    const { s, failures, results } = await outage((now) => now < 1000);
    // Far more than 8 failures in a row (64 at once), but they stopped within a second.
    expect(failures.filter((t) => t <= 50)).toHaveLength(64);
    expect(failures.length).toBeGreaterThan(100);
    expect(results.every((r) => "value" in r && r.value === "ok")).toBe(true);
    expect(s.stats()).toMatchObject({ breakerOpen: false, failed: 0, succeeded: 200 });
  });

  it("opens promptly on a sustained outage: soon after the minimum time, every call fails at once", async () => {
    const { clock, s, failures, results } = await outage(() => true);
    expect(s.stats().breakerOpen).toBe(true);
    const err = results.find((r): r is { error: ProviderError } => "error" in r && r.error instanceof ProviderError)!.error;
    expect(err.cause_).toBe("unavailable");
    expect(err.message).toMatch(/^failed \d+ times in a row over 3\.\d s \(last error: 502 Bad Gateway\); the endpoint looks down$/);
    // It opened at the first failure at least 3 s into the streak (fake time), and nothing was sent after.
    const openedAt = failures[failures.length - 1]!;
    expect(openedAt).toBeGreaterThanOrEqual(3050);
    expect(openedAt).toBeLessThan(3500);
    expect(clock.now()).toBe(openedAt);
    // Calls still waiting or retrying failed with it rather than draining the queue.
    expect(results.filter((r) => "error" in r && r.error === err).length).toBeGreaterThan(100);
    expect(results.some((r) => "value" in r)).toBe(false);
  });

  it("needs the minimum time while probing too: calls backing off free the probe's slot, so failures come back to back", async () => {
    const clock = new FakeClock();
    // No rpm: the scheduler probes with one attempt in flight until something answers.
    const s = new Scheduler({ name: "test:model", concurrency: 64, clock, seed: 1, maxAttempts: 2, backoffBaseMs: 100 });
    const { fn, starts } = scripted(clock, [], { after: 10, error: transient("502 Bad Gateway") });
    const calls = Array.from({ length: 500 }, () => s.run(0, fn).then(() => "ok", (e: unknown) => e));
    const results = await clock.run(Promise.all(calls));
    expect(s.stats().breakerOpen).toBe(true);
    // Eight failures came within a tenth of a second; it opened only once they had gone on for 3 s.
    expect(starts[7]! - starts[0]!).toBeLessThan(100);
    expect(clock.now()).toBeGreaterThanOrEqual(3000);
    const err = results[499] as ProviderError;
    expect(err.cause_).toBe("unavailable");
    expect(err.message).toMatch(/^failed \d+ times in a row over 3\.\d s \(last error: 502 Bad Gateway\); the endpoint looks down$/);
  });

  const refused = (): LMCallError => new LMCallError("transient", "openai: cannot reach http://127.0.0.1:59999/v1 (ECONNREFUSED)", { unreachable: true });

  it("reports an endpoint where nothing listens as unreachable at once, before anything answered: one attempt, no retry", async () => {
    const clock = new FakeClock();
    const s = new Scheduler({ name: "test:model", concurrency: 8, clock, seed: 1, maxAttempts: 5, backoffBaseMs: 100 });
    const { fn, starts } = scripted(clock, [], { after: 1, error: refused() });
    const results = await clock.run(Promise.all(Array.from({ length: 20 }, () => s.run(0, fn).then(() => "ok", (e: unknown) => e))));
    expect(starts).toHaveLength(1);
    const err = results[0] as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.cause_).toBe("unavailable");
    expect(err.message).toBe("openai: cannot reach http://127.0.0.1:59999/v1 (ECONNREFUSED); nothing answers at this address (is the server running, and the URL right?)");
    expect(results.every((r) => r === err)).toBe(true);
    expect(s.stats()).toMatchObject({ breakerOpen: true, retries: 0 });
  });

  it("once the endpoint has answered, refused connections are a transient streak: retried, and the breaker needs count and time", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, concurrency: 8, maxAttempts: 100, backoffBaseMs: 50, backoffMaxMs: 200 });
    const { fn, starts } = scripted(clock, [{ ok: { value: "up" } }], { after: 1, error: refused() });
    expect(await clock.run(s.run(0, fn))).toBe("up");
    const results = await clock.run(Promise.all(Array.from({ length: 20 }, () => s.run(0, fn).then(() => "ok", (e: unknown) => e))));
    expect(s.stats().breakerOpen).toBe(true);
    expect(s.stats().retries).toBeGreaterThan(0);
    expect(starts.length).toBeGreaterThan(8);
    expect(clock.now()).toBeGreaterThanOrEqual(3000);
    expect((results[0] as ProviderError).message).toMatch(/^failed \d+ times in a row over 3\.\d s \(last error: openai: cannot reach .*ECONNREFUSED\)\); the endpoint looks down$/);
  });

  it("a 5xx is an answer: refused connections after it are not reported at once", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, concurrency: 1, maxAttempts: 3, backoffBaseMs: 10, breakerThreshold: 100 });
    const { fn, starts } = scripted(clock, [{ error: transient("502 Bad Gateway") }], { error: refused() });
    const err = await rejection(clock.run(s.run(0, fn)));
    expect(err).toBeInstanceOf(LMCallError);
    expect(starts).toHaveLength(3);
    expect(s.stats().breakerOpen).toBe(false);
  });

  it("takes its threshold and minimum time as options", async () => {
    // No minimum time: the count alone (the old rule) opens it during the burst.
    const eager = await outage((now) => now < 1000, { breakerWindowMs: 0 });
    expect(eager.s.stats().breakerOpen).toBe(true);
    // … at its 8th failure, 50 ms in: only the attempts already out were answered after that.
    expect(Math.max(...eager.failures)).toBeLessThanOrEqual(100);
    expect(eager.results.every((r) => "error" in r)).toBe(true);
    // A longer minimum time keeps it closed longer on a sustained outage.
    const patient = await outage(() => true, { breakerWindowMs: 10_000, maxAttempts: 100, backoffMaxMs: 1000 });
    expect(patient.s.stats().breakerOpen).toBe(true);
    expect(patient.failures[patient.failures.length - 1]!).toBeGreaterThanOrEqual(10_050);
    // And the threshold counts failures in a row (here with no minimum time).
    const counted = await outage(() => true, { breakerThreshold: 1000, breakerWindowMs: 0, maxAttempts: 100, backoffMaxMs: 1000 });
    expect(counted.s.stats().breakerOpen).toBe(true);
    const counter = counted.results.find((r): r is { error: ProviderError } => "error" in r && r.error instanceof ProviderError)!.error;
    expect(counter.message).toMatch(/^failed 1000 times in a row/);
  });

  it("any success resets the count", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60_000, concurrency: 1, breakerThreshold: 3, maxAttempts: 3, backoffBaseMs: 1 });
    const { fn } = scripted(clock, [
      { error: transient() },
      { error: transient() },
      { ok: { value: "one" } },
      { error: transient() },
      { error: transient() },
      { ok: { value: "two" } },
    ]);
    expect(await clock.run(s.run(0, fn))).toBe("one");
    expect(await clock.run(s.run(0, fn))).toBe("two");
    expect(s.stats().breakerOpen).toBe(false);
  });
});

describe("caller abort", () => {
  it("a waiting call leaves the queue at once with an AbortError", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    const ac = new AbortController();
    h.call("a");
    const b = h.call("b", { signal: ac.signal });
    h.call("c");
    await h.clock.flush();
    expect(h.scheduler.stats().queued).toBe(2);
    ac.abort();
    await Promise.resolve();
    await Promise.resolve();
    expect(b.settled.done).toBe(true);
    expect((b.settled.error as DOMException).name).toBe("AbortError");
    expect(h.scheduler.stats()).toMatchObject({ queued: 1, aborted: 1 });
    h.last("a").succeed();
    await h.clock.flush();
    expect(h.attempts.map((x) => x.id)).toEqual(["a", "c"]);
  });

  it("an in-flight attempt gets the caller's signal (aborted) and the call rejects with an AbortError", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    const ac = new AbortController();
    const a = h.call("a", { signal: ac.signal });
    h.call("b");
    await h.clock.flush();
    const attempt = h.last("a");
    expect(attempt.signal).toBe(ac.signal);
    expect(attempt.signal!.aborted).toBe(false);
    ac.abort();
    await h.clock.flush();
    expect(attempt.signal!.aborted).toBe(true);
    expect((a.settled.error as DOMException).name).toBe("AbortError");
    expect(h.attempts.map((x) => x.id)).toEqual(["a", "b"]); // the slot is free again
    expect(h.scheduler.stats()).toMatchObject({ aborted: 1, inFlight: 1, failed: 0 });
  });

  it("a call backing off, or already aborted, rejects at once", async () => {
    const h = harness({ rpm: 60_000, backoffBaseMs: 10_000, backoffMaxMs: 10_000 });
    const ac = new AbortController();
    const a = h.call("a", { signal: ac.signal });
    await h.clock.flush();
    h.last("a").fail(transient());
    await h.clock.flush();
    expect(h.scheduler.stats().queued).toBe(1);
    ac.abort();
    await h.clock.flush();
    expect((a.settled.error as DOMException).name).toBe("AbortError");
    expect(h.scheduler.stats().queued).toBe(0);

    const b = h.call("b", { signal: ac.signal });
    await h.clock.flush();
    expect((b.settled.error as DOMException).name).toBe("AbortError");
    expect(h.attempts).toHaveLength(1);
  });
});

describe("stats and timers", () => {
  it("keeps exact counts through a mixed run", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 600, tpm: 60_000, concurrency: 2, maxAttempts: 2, backoffBaseMs: 10, breakerThreshold: 10 });
    expect(s.stats()).toEqual({
      inFlight: 0,
      queued: 0,
      requests: 0,
      succeeded: 0,
      rateLimited: 0,
      retries: 0,
      failed: 0,
      aborted: 0,
      timeouts: 0,
      currentRpm: 600 * PACING_MARGIN,
      currentTpm: 60_000 * PACING_MARGIN,
      limitRpm: 600,
      limitTpm: 60_000,
      pausedUntil: 0,
      heldUntil: 0,
      breakerOpen: false,
    });
    const ok = scripted(clock, [], { after: 100 });
    const flaky = scripted(clock, [{ after: 10, error: transient() }, { after: 10, error: transient() }]);
    const limited = scripted(clock, [{ after: 10, error: rateLimited(50) }, { after: 10 }]);
    const p1 = s.run(0, ok.fn);
    const p2 = s.run(0, flaky.fn);
    const p3 = s.run(0, limited.fn);
    await clock.flush();
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 1, requests: 2 });
    await clock.run(Promise.allSettled([p1, p2, p3]));
    expect(await p1).toBe("ok");
    await expect(p2).rejects.toBeInstanceOf(LMCallError);
    expect(await p3).toBe("ok");
    expect(s.stats()).toMatchObject({
      inFlight: 0,
      queued: 0,
      requests: 5,
      succeeded: 2,
      rateLimited: 1,
      retries: 1,
      failed: 1,
      aborted: 0,
      breakerOpen: false,
    });
  });

  it("leaves no timer behind when idle, and sets none while only a slot can unblock the queue", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    h.call("a");
    h.call("b");
    h.call("c");
    await h.clock.flush();
    // only a's attempt timeout is pending: no wake-up timer, no polling
    expect(h.clock.pendingTimers).toBe(1);
    h.last("a").succeed();
    await h.clock.flush();
    h.last("b").succeed();
    await h.clock.flush();
    h.last("c").succeed();
    await h.clock.flush();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it("waits with a single timer until the bucket refills", async () => {
    const clock = new FakeClock();
    const s = make(clock, { rpm: 60, concurrency: 10, timeoutMs: 3_600_000 }); // 58.8/min, capacity 1
    const { fn, starts } = scripted(clock, [], { after: 1 });
    for (let i = 0; i < 5; i++) s.run(0, fn).catch(() => {});
    await clock.flush();
    expect(starts).toEqual([0]);
    expect(clock.pendingTimers).toBe(3); // the attempt's own sleep, its timeout, one wake-up
    expect(clock.nextTimerAt()).toBe(1);
    await clock.advance(2);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt()).toBe(Math.ceil(60_000 / 58.8));
  });

  it("rejects nonsense options", () => {
    const clock = new FakeClock();
    expect(() => make(clock, { concurrency: 0 })).toThrow(RangeError);
    expect(() => make(clock, { rpm: -1 })).toThrow(RangeError);
    expect(() => make(clock, { tpm: Number.NaN })).toThrow(RangeError);
  });
});
