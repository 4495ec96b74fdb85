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
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(toAbortError(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(toAbortError(signal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
  timer(ms: number, fn: () => void): () => void {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};
