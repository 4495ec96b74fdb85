import type { Clock } from "./types.js";

/** The error a waiting operation rejects with when its signal aborts. */
export function abortError(message = "The operation was aborted"): DOMException {
  return new DOMException(message, "AbortError");
}

/** The caller's abort reason when it already is an AbortError, else a fresh AbortError. */
export function toAbortError(signal: AbortSignal | undefined): DOMException {
  const reason: unknown = signal?.reason;
  if (reason instanceof DOMException && reason.name === "AbortError") return reason;
  return abortError();
}

/** Wall-clock time (monotonic) and real timers. Timers are ordinary (ref'd) timeouts, never intervals. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleepOn(realClock, ms, signal),
  timer(ms: number, fn: () => void): () => void {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/**
 * `Clock.sleep` on any clock's timers: resolves when `clock`'s timer fires, or cancels it and
 * rejects with an AbortError when the signal aborts first.
 */
export function sleepOn(clock: Pick<Clock, "timer">, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(toAbortError(signal));
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(toAbortError(signal));
    };
    const cancel = clock.timer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
