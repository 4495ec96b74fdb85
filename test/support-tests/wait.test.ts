import type { ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { waitUntil, type Watched } from "../support/wait.js";

/** A watched process that has not ended until `end()` says so. */
function watched(): Watched & { end(): void } {
  const child = { exitCode: null as number | null, signalCode: null };
  return { child: child as unknown as ChildProcess, output: () => "last words", end: () => void (child.exitCode = 1) };
}

describe("waitUntil", () => {
  it("resolves true once the condition holds", async () => {
    let n = 0;
    await expect(waitUntil(() => ++n >= 3, "three looks", undefined, { interval: 1 })).resolves.toBe(true);
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it("fails naming what it waited for, and the output, when the process ends first", async () => {
    const w = watched();
    setTimeout(() => w.end(), 5);
    await expect(waitUntil(() => false, "the run id", w, { interval: 1 })).rejects.toThrow(/gave up waiting for the run id \(the process ended first\); its output:\nlast words/);
  });

  it("resolves false when the process ends first and the caller allows it", async () => {
    const w = watched();
    w.end();
    await expect(waitUntil(() => false, "more requests", w, { onExit: "return" })).resolves.toBe(false);
  });

  it("fails when the condition never holds within the timeout", async () => {
    await expect(waitUntil(() => false, "nothing", watched(), { timeout: 30, interval: 5 })).rejects.toThrow(/gave up waiting for nothing \(not within 0\.03 s\)/);
  });
});
