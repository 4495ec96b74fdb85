import { describe, expect, it } from "vitest";
import { LMCallError } from "../../../src/lm/call-error.js";
import { inFlightSignal, twoStageStop } from "../../../src/util/interrupt.js";
import { harness } from "./helpers.js";

/**
 * A command's Ctrl-C reaches the scheduler as the in-flight stage of a two-stage stop (see
 * util/interrupt.ts). The first stage sends nothing new — calls waiting for capacity or to retry
 * leave — and lets the attempts already sent end; the second aborts those too.
 */
describe("a two-stage stop at the scheduler", () => {
  it("the first stage: a queued call leaves with an AbortError, the attempt in flight keeps its signal and ends with its answer", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    const stop = twoStageStop();
    const signal = inFlightSignal(stop.signal);
    const a = h.call("a", { signal });
    const b = h.call("b", { signal });
    await h.clock.flush();
    expect(h.scheduler.stats()).toMatchObject({ inFlight: 1, queued: 1 });
    stop.stop();
    await h.clock.flush();
    expect((b.settled.error as DOMException).name).toBe("AbortError");
    expect(h.last("a").signal!.aborted).toBe(false);
    h.last("a").succeed();
    expect(await a.promise).toBe("a");
    // b was never sent.
    expect(h.attempts.map((x) => x.id)).toEqual(["a"]);
  });

  it("the first stage: a call backing off to retry is not sent again", async () => {
    const h = harness({ rpm: 60_000, backoffBaseMs: 10_000, backoffMaxMs: 10_000 });
    const stop = twoStageStop();
    const a = h.call("a", { signal: inFlightSignal(stop.signal) });
    await h.clock.flush();
    h.last("a").fail(new LMCallError("transient", "503 Service Unavailable", { status: 503 }));
    await h.clock.flush();
    stop.stop();
    await h.clock.flush();
    expect((a.settled.error as DOMException).name).toBe("AbortError");
    expect(h.attempts).toHaveLength(1);
  });

  it("the second stage aborts the attempt in flight", async () => {
    const h = harness({ concurrency: 1, rpm: 60_000 });
    const stop = twoStageStop();
    const a = h.call("a", { signal: inFlightSignal(stop.signal) });
    await h.clock.flush();
    stop.stop();
    await h.clock.flush();
    expect(a.settled.done).toBe(false);
    stop.quit();
    await h.clock.flush();
    expect(h.last("a").signal!.aborted).toBe(true);
    expect((a.settled.error as DOMException).name).toBe("AbortError");
  });
});
