import { describe, expect, it } from "vitest";
import { REQUEST_SIGNAL_GENERATION as GEN, requestSignal, watchAbort } from "../../../src/lm/scheduler/abort-watch.js";
import { backoffCeiling, backoffDelay } from "../../../src/lm/scheduler/backoff.js";
import { realClock } from "../../../src/lm/scheduler/clock.js";
import { FakeClock } from "../../support/fake-clock.js";
import { cleanRateLimit } from "../../../src/lm/scheduler/header-limits.js";
import {
  DECREASE_FACTOR,
  MIN_INCREASE_RPM_PER_SECOND,
  MIN_RPM,
  PACING_MARGIN,
  RateControl,
  RESTORE_MS,
} from "../../../src/lm/scheduler/rate-control.js";
import { TokenBucket } from "../../../src/lm/scheduler/token-bucket.js";
import { Rng } from "../../../src/util/rng.js";

describe("FakeClock", () => {
  it("fires timers in due order (ties in creation order) as time advances", async () => {
    const clock = new FakeClock(100);
    const log: string[] = [];
    void clock.sleep(30).then(() => log.push(`b@${clock.now()}`));
    void clock.sleep(10).then(() => log.push(`a@${clock.now()}`));
    void clock.sleep(30).then(() => log.push(`c@${clock.now()}`));
    await clock.advance(20);
    expect(log).toEqual(["a@110"]);
    expect(clock.now()).toBe(120);
    await clock.advance(100);
    expect(log).toEqual(["a@110", "b@130", "c@130"]);
    expect(clock.now()).toBe(220);
    expect(clock.pendingTimers).toBe(0);
  });

  it("runs chains of sleeps within one advance", async () => {
    const clock = new FakeClock();
    let done = -1;
    void (async () => {
      for (let i = 0; i < 5; i++) await clock.sleep(10);
      done = clock.now();
    })();
    await clock.advance(100);
    expect(done).toBe(50);
  });

  it("a sleep rejects with an AbortError when its signal aborts, and its timer goes away", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    expect(clock.pendingTimers).toBe(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(5, ac.signal)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("run() drives time until the promise settles and reports deadlocks", async () => {
    const clock = new FakeClock();
    const value = await clock.run(clock.sleep(5000).then(() => "late"));
    expect(value).toBe("late");
    expect(clock.now()).toBe(5000);
    await expect(clock.run(new Promise(() => {}))).rejects.toThrow(/deadlock/);
  });

  it("catches busy loops (timers firing forever without time moving)", async () => {
    const clock = new FakeClock(0, { busyLimit: 100 });
    const spin = async (): Promise<void> => {
      for (;;) await clock.sleep(0);
    };
    void spin();
    await expect(clock.advance(10)).rejects.toThrow(/busy loop/);
  });
});

describe("realClock", () => {
  it("sleep can be aborted", async () => {
    const ac = new AbortController();
    const p = realClock.sleep(60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(typeof realClock.now()).toBe("number");
  });
});

describe("TokenBucket", () => {
  it("refills continuously up to capacity", () => {
    const b = new TokenBucket(10, 10, 0);
    b.take(10, 0);
    expect(b.available(0)).toBe(0);
    expect(b.available(250)).toBeCloseTo(2.5, 9);
    expect(b.available(5000)).toBe(10);
  });

  it("goes into debt and says how long until a level is reached", () => {
    const b = new TokenBucket(10, 10, 0);
    b.take(15, 0);
    expect(b.available(0)).toBe(-5);
    expect(b.msUntil(1, 0)).toBeCloseTo(600, 9);
    expect(b.msUntil(1, 600)).toBe(0);
    expect(b.msUntil(11, 600)).toBe(Infinity); // more than capacity never arrives
  });

  it("refunds never exceed capacity; clamps only lower", () => {
    const b = new TokenBucket(1, 5, 0);
    b.take(2, 0);
    b.give(10, 0);
    expect(b.available(0)).toBe(5);
    b.clampTo(7, 0);
    expect(b.available(0)).toBe(5);
    b.clampTo(-1, 0);
    expect(b.available(0)).toBe(-1);
  });

  it("a rate change keeps what accrued, capped by the new capacity", () => {
    const b = new TokenBucket(10, 10, 0, 0);
    b.setRate(2, 2, 500); // 5 accrued at the old rate, capped at 2
    expect(b.available(500)).toBe(2);
    expect(b.ratePerSecond).toBe(2);
  });
});

describe("backoff", () => {
  it("doubles from the base up to the cap, with full jitter below it", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, 500, 20_000))).toEqual([500, 1000, 2000, 4000, 8000, 16_000]);
    expect(backoffCeiling(7, 500, 20_000)).toBe(20_000);
    expect(backoffCeiling(5000, 500, 20_000)).toBe(20_000);
    const rng = new Rng(1);
    const draws = Array.from({ length: 200 }, () => backoffDelay(3, 500, 20_000, rng));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(2000);
    expect(Math.max(...draws)).toBeGreaterThan(1500); // spread over the whole range
    expect(Math.min(...draws)).toBeLessThan(500);
  });
});

describe("cleanRateLimit", () => {
  it("drops nonsense fields and zero limits", () => {
    expect(
      cleanRateLimit({ limitRequests: 0, remainingRequests: -1, resetRequestsMs: Number.NaN, limitTokens: 1000, retryAfterMs: 0 }),
    ).toEqual({ limitTokens: 1000, retryAfterMs: 0 });
    expect(cleanRateLimit(undefined)).toBeUndefined();
  });
});

describe("RateControl", () => {
  it("paces under the ceiling, which headers can lower but not raise above an explicit rpm", () => {
    const rc = new RateControl(600);
    expect(rc.allowed()).toBeCloseTo(600 * PACING_MARGIN, 9);
    rc.learn(1200);
    expect(rc.ceiling()).toBe(600);
    rc.learn(300);
    expect(rc.ceiling()).toBe(300);
    expect(rc.allowed()).toBeCloseTo(300 * PACING_MARGIN, 9);
  });

  it("decreases ×0.7 and climbs +2 % of an explicit ceiling per second of success", () => {
    const rc = new RateControl(600);
    rc.decrease(1000, 10_000, 60);
    expect(rc.allowed()).toBeCloseTo(600 * DECREASE_FACTOR * PACING_MARGIN, 9);
    for (let t = 2000; t <= 6000; t += 1000) rc.onSuccess(t, true);
    expect(rc.allowed()).toBeCloseTo((420 + 5 * 12) * PACING_MARGIN, 9);
    for (let t = 7000; t <= 30_000; t += 1000) rc.onSuccess(t, false);
    expect(rc.allowed()).toBeCloseTo(600 * PACING_MARGIN, 9); // capped at the ceiling
  });

  it("under a limit the provider reported, one decrease is regained within RESTORE_MS", () => {
    const rc = new RateControl();
    rc.learn(600);
    rc.decrease(1000, 10_000, 60);
    expect(rc.allowed()).toBeCloseTo(420 * PACING_MARGIN, 9);
    const steps = RESTORE_MS / 1000;
    for (let i = 1; i < steps; i++) rc.onSuccess(1000 + i * 1000, true);
    expect(rc.allowed()!).toBeLessThan(600 * PACING_MARGIN);
    rc.onSuccess(1000 + steps * 1000, true);
    expect(rc.allowed()).toBeCloseTo(600 * PACING_MARGIN, 9);
  });

  it("undoes a decrease: the latest exactly (back to unpaced, if it was), an earlier one by its factor", () => {
    const unpaced = new RateControl();
    const d = unpaced.decrease(1000, 900, 60);
    expect(unpaced.allowed()).toBeCloseTo(630, 9);
    unpaced.undo(d);
    expect(unpaced.allowed()).toBeUndefined();

    const rc = new RateControl(600);
    const first = rc.decrease(1000, 0, 60); // 600 → 420
    rc.decrease(1100, 0, 60); // 420 → 294
    rc.undo(first); // the later one stands: 294 / 0.7
    expect(rc.allowed()).toBeCloseTo(420 * PACING_MARGIN, 9);
    rc.undo(first); // once only
    expect(rc.allowed()).toBeCloseTo(420 * PACING_MARGIN, 9);

    // Undoing the latest makes the one before it the latest: both undone, it is unpaced again.
    const twice = new RateControl();
    const a = twice.decrease(1000, 900, 60);
    const b = twice.decrease(1100, 900, 60);
    twice.undo(b);
    twice.undo(a);
    expect(twice.allowed()).toBeUndefined();
  });

  it("remembers only the last 64 decreases for undo (a streak of 429s for hours keeps no list for hours)", () => {
    const rc = new RateControl();
    const all = Array.from({ length: 70 }, (_, i) => rc.decrease(1000 + i, 1e12, 0));
    const before = rc.allowed()!;
    expect(before).toBeGreaterThan(10); // 1e12 × 0.7^70: not at the floor
    rc.undo(all[1]!); // settled long since: nothing to take back
    expect(rc.allowed()).toBe(before);
    rc.undo(all[69]!);
    expect(rc.allowed()).toBeCloseTo(before / DECREASE_FACTOR, 6);
  });

  it("never decreases below the floor it is given, nor above the ceiling", () => {
    const rc = new RateControl(600);
    for (let i = 0; i < 20; i++) rc.decrease(1000 + i, 10_000, 60);
    expect(rc.allowed()).toBe(60); // one request per second: 0.7^20 × 600 would be 0.5 per minute
    const low = new RateControl(30);
    low.decrease(1000, 10_000, 60);
    expect(low.allowed()).toBe(30);
    const none = new RateControl();
    none.decrease(1000, 0, 0);
    expect(none.allowed()).toBe(MIN_RPM);
  });

  it("without a ceiling: nothing is paced until a 429", () => {
    const rc = new RateControl();
    expect(rc.allowed()).toBeUndefined();
    for (let t = 1000; t <= 6000; t += 1000) rc.onSuccess(t, true);
    expect(rc.allowed()).toBeUndefined();
  });

  it("without a ceiling: a decrease cuts from the observed rate and the climb is additive, only while rate-bound", () => {
    const rc = new RateControl();
    rc.decrease(6000, 900, 60); // sent at 900/min lately
    expect(rc.allowed()).toBeCloseTo(630, 9);
    rc.onSuccess(7000, true);
    expect(rc.allowed()).toBeCloseTo(630 + Math.max(MIN_INCREASE_RPM_PER_SECOND, 0.02 * 900), 9);
    rc.onSuccess(8000, false); // not rate-bound: idle time does not inflate the rate
    expect(rc.allowed()).toBeCloseTo(630 + Math.max(MIN_INCREASE_RPM_PER_SECOND, 0.02 * 900), 9);
  });

  it("a learned limit caps the rate", () => {
    const rc = new RateControl();
    rc.learn(6000);
    expect(rc.allowed()).toBeCloseTo(6000 * PACING_MARGIN, 9);
  });
});

describe("watchAbort", () => {
  it("puts one listener on a signal however many watchers share it", () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const stops = Array.from({ length: 50 }, (_, i) => watchAbort(ac.signal, () => seen.push(i)));
    stops[3]!();
    ac.abort();
    expect(seen).toHaveLength(49);
    expect(seen).not.toContain(3);
  });
});

describe("requestSignal", () => {
  it("aborts every open request's signal when the parent aborts, across generations", () => {
    const parent = new AbortController();
    const requests = Array.from({ length: 3 * GEN + 5 }, () => requestSignal(parent.signal));
    expect(new Set(requests.map((r) => r.signal)).size).toBe(4);
    parent.abort(new Error("stop"));
    for (const r of requests) expect(r.signal!.aborted).toBe(true);
    expect(requestSignal(parent.signal).signal!.aborted).toBe(true);
  });

  it("detaches a full generation from the parent once its requests are over", () => {
    const parent = new AbortController();
    const first = Array.from({ length: GEN }, () => requestSignal(parent.signal));
    const next = requestSignal(parent.signal);
    for (const r of first) r.release();
    first[0]!.release(); // releasing twice changes nothing
    parent.abort();
    expect(first[0]!.signal!.aborted).toBe(false);
    expect(next.signal!.aborted).toBe(true);
  });

  it("takes an SDK's leftover listener per request without a MaxListeners warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const parent = new AbortController();
    for (let i = 0; i < 1000; i++) {
      const r = requestSignal(parent.signal);
      r.signal!.addEventListener("abort", () => {}); // what the SDKs do, never removed
      r.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.off("warning", onWarning);
    expect(warnings.filter((w) => /MaxListeners/i.test(w))).toEqual([]);
  });
});
