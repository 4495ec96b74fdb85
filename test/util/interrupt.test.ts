import { describe, expect, it } from "vitest";
import { dispatchSignal, inFlightSignal, twoStageStop } from "../../src/util/interrupt.js";

describe("a two-stage stop", () => {
  it("stop aborts the signal handed down, not the in-flight one; quit aborts both", () => {
    const stop = twoStageStop();
    const inFlight = inFlightSignal(stop.signal);
    expect(inFlight).not.toBe(stop.signal);
    stop.stop();
    expect(stop.signal.aborted).toBe(true);
    expect(inFlight.aborted).toBe(false);
    stop.quit();
    expect(inFlight.aborted).toBe(true);
  });

  it("quit alone stops too", () => {
    const stop = twoStageStop();
    stop.quit();
    expect(stop.signal.aborted).toBe(true);
    expect(inFlightSignal(stop.signal).aborted).toBe(true);
  });

  it("the in-flight signal leads back to the stop for code that has yet to send", () => {
    const stop = twoStageStop();
    expect(dispatchSignal(inFlightSignal(stop.signal))).toBe(stop.signal);
  });

  it("a plain AbortSignal has no second stage: it is its own in-flight and dispatch signal", () => {
    const plain = new AbortController().signal;
    expect(inFlightSignal(plain)).toBe(plain);
    expect(dispatchSignal(plain)).toBe(plain);
    expect(inFlightSignal(undefined)).toBeUndefined();
    expect(dispatchSignal(undefined)).toBeUndefined();
  });
});
