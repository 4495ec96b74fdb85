import { describe, expect, it } from "vitest";
import { nextTurn, turnIfBusy } from "../../src/util/next-turn.js";

describe("nextTurn", () => {
  it("resolves every caller of a turn together, in call order, after the turn's other work", async () => {
    const seen: string[] = [];
    const waits = [1, 2, 3].map((i) => nextTurn().then(() => seen.push(`call ${i}`)));
    queueMicrotask(() => seen.push("microtask"));
    setImmediate(() => seen.push("later immediate"));
    await Promise.all(waits);
    expect(seen).toEqual(["microtask", "call 1", "call 2", "call 3"]);
  });

  it("starts a new batch for callers of the next turn", async () => {
    const seen: number[] = [];
    await nextTurn();
    const a = nextTurn().then(() => seen.push(1));
    await a;
    const b = nextTurn().then(() => seen.push(2));
    await b;
    expect(seen).toEqual([1, 2]);
  });
});

describe("turnIfBusy", () => {
  it("lets the event loop turn during work that never waits on I/O (an immediate scheduled before it runs)", async () => {
    let fired = false;
    setImmediate(() => (fired = true));
    // Work answered from memory: each step is a resolved promise, so without a turn the immediate
    // would wait for the whole loop. The clock only bounds a failing test; nothing asserts on it.
    const began = performance.now();
    let turns = 0;
    while (!fired && performance.now() - began < 10_000) {
      const turn = turnIfBusy();
      if (turn) {
        turns++;
        await turn;
      } else await Promise.resolve();
    }
    expect(fired).toBe(true);
    expect(turns).toBe(1);
  });

  it("adds no turn of its own while the loop is turning anyway", async () => {
    let extra = 0;
    for (let i = 0; i < 200; i++) {
      if (turnIfBusy()) extra++;
      await new Promise((r) => setImmediate(r));
    }
    expect(extra).toBe(0);
  });
});
