import { describe, expect, it } from "vitest";
import { InOrder } from "../../src/evaluate/in-order.js";

const settle = () => new Promise((r) => setImmediate(r));

describe("InOrder", () => {
  it("emits results put in any order in index order, each once", async () => {
    const emitted: string[] = [];
    const order = new InOrder<string>((x) => void emitted.push(x), 10);
    for (const i of [3, 1, 4, 0, 2, 6, 5]) await order.put(i, `r${i}`);
    expect(emitted).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
    expect(order.emitted).toBe(7);
    expect(order.holding).toBe(0);
    await expect(order.put(2, "again")).rejects.toThrow(/put twice/);
  });

  it("holds at most `window` results ahead of a slow one: a put further ahead waits until the window reaches it", async () => {
    const emitted: number[] = [];
    const order = new InOrder<number>((x) => void emitted.push(x), 3);
    // 0 is slow; 1 and 2 are within the window and return at once.
    await order.put(1, 1);
    await order.put(2, 2);
    let thirdBack = false;
    const third = order.put(3, 3).then(() => (thirdBack = true));
    await settle();
    expect(thirdBack).toBe(false);
    expect(order.holding).toBe(3);
    await order.put(0, 0);
    await third;
    expect(emitted).toEqual([0, 1, 2, 3]);
  });

  it("waits for a slow `emit` (a file behind) before the put that fed it returns, and emits in order meanwhile", async () => {
    const emitted: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order = new InOrder<number>(async (x) => {
      if (x === 0) await gate;
      emitted.push(x);
    }, 10);
    let firstBack = false;
    const first = order.put(0, 0).then(() => (firstBack = true));
    const second = order.put(1, 1);
    await settle();
    expect(firstBack).toBe(false);
    expect(emitted).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(emitted).toEqual([0, 1]);
  });

  it("abandon lets the producers waiting behind a result that will never come go on", async () => {
    const order = new InOrder<number>(() => {}, 1);
    const waiting = order.put(5, 5);
    let back = false;
    void waiting.then(() => (back = true));
    await settle();
    expect(back).toBe(false);
    order.abandon();
    await waiting;
    // and later ones do not wait either
    await order.put(9, 9);
    expect(order.emitted).toBe(0);
  });
});
