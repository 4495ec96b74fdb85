import { describe, expect, it } from "vitest";
import { nextTurn } from "../../src/util/next-turn.js";

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
