import { describe, expect, it } from "vitest";
import { forEachConcurrent } from "../../src/evaluate/concurrency.js";

/** A task whose completion the test controls, to observe how many run at once without timing. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe("forEachConcurrent", () => {
  it("never runs more than the limit at once and runs every index once", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrent(20, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(i);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    expect(peak).toBe(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("reaches the limit: 3 tasks blocked on one gate all start before any finishes", async () => {
    const g = gate();
    const started: number[] = [];
    const run = forEachConcurrent(3, 3, async (i) => {
      started.push(i);
      await g.opened;
    });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    g.open();
    await run;
  });

  it("stops dispatching when asked and reports how many were dispatched", async () => {
    let calls = 0;
    const { dispatched } = await forEachConcurrent(10, 2, async () => void calls++, () => calls < 5);
    expect(dispatched).toBeGreaterThanOrEqual(5);
    expect(dispatched).toBeLessThanOrEqual(6);
    expect(calls).toBe(dispatched);
  });

  it("stops on the first error, lets in-flight tasks settle, then rethrows", async () => {
    const finished: number[] = [];
    await expect(
      forEachConcurrent(10, 2, async (i) => {
        if (i === 1) throw new Error("boom");
        await new Promise((r) => setImmediate(r));
        finished.push(i);
      }),
    ).rejects.toThrow("boom");
    expect(finished).toContain(0);
    expect(finished.length).toBeLessThan(9);
  });

  it("lets the event loop turn while tasks are answered at once (memo, cache, a zero-latency model)", async () => {
    let fired = false;
    setImmediate(() => (fired = true));
    // The clock only bounds a failing test (dispatch would go on for 10 s); nothing asserts on it.
    const began = performance.now();
    await forEachConcurrent(Number.MAX_SAFE_INTEGER, 8, async () => {}, () => !fired && performance.now() - began < 10_000);
    expect(fired).toBe(true);
  });
});
