import { describe, expect, it } from "vitest";
import { forEachConcurrent, forEachConcurrentFrom } from "../../src/evaluate/concurrency.js";

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

describe("forEachConcurrentFrom", () => {
  /** A stream of `n` items that counts how many have been pulled. */
  function counted(n: number) {
    const stats = { pulled: 0 };
    async function* items() {
      for (let i = 0; i < n; i++) {
        stats.pulled++;
        yield `item-${i}`;
      }
    }
    return { stats, iterator: items() };
  }

  it("pulls an item only when a worker is free: with every task blocked, `limit` items are pulled of 1,000", async () => {
    const { stats, iterator } = counted(1000);
    const g = gate();
    const seen: [string, number][] = [];
    const run = forEachConcurrentFrom(
      () => iterator.next(),
      4,
      async (item, index) => {
        seen.push([item, index]);
        await g.opened;
      },
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(stats.pulled).toBe(4);
    g.open();
    expect(await run).toEqual({ dispatched: 1000 });
    expect(seen.map(([item, index]) => item === `item-${index}`).every(Boolean)).toBe(true);
    expect(seen).toHaveLength(1000);
  });

  it("stops on an error while pulling, after the tasks in flight settle, and rethrows it", async () => {
    async function* items() {
      yield 1;
      yield 2;
      throw new Error("the file went away");
    }
    const iterator = items();
    const finished: number[] = [];
    await expect(
      forEachConcurrentFrom(
        () => iterator.next(),
        2,
        async (item) => {
          await new Promise((r) => setImmediate(r));
          finished.push(item);
        },
      ),
    ).rejects.toThrow("the file went away");
    expect(finished.sort()).toEqual([1, 2]);
  });
});
