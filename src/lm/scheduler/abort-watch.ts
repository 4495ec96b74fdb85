import { setMaxListeners } from "node:events";

interface Watch {
  callbacks: Set<() => void>;
  listener: () => void;
}

const watches = new WeakMap<AbortSignal, Watch>();

/**
 * Calls `callback` once when `signal` aborts; returns the unsubscribe function. However many calls
 * share one signal (a whole command's Ctrl-C signal, say), the signal carries one listener, so
 * thousands of queued calls do not trip Node's MaxListeners warning.
 */
export function watchAbort(signal: AbortSignal, callback: () => void): () => void {
  let watch = watches.get(signal);
  if (!watch) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      watches.delete(signal);
      for (const cb of [...callbacks]) cb();
      callbacks.clear();
    };
    watch = { callbacks, listener };
    watches.set(signal, watch);
    signal.addEventListener("abort", listener, { once: true });
  }
  const current = watch;
  current.callbacks.add(callback);
  return () => {
    current.callbacks.delete(callback);
    if (current.callbacks.size === 0 && watches.get(signal) === current) {
      watches.delete(signal);
      signal.removeEventListener("abort", current.listener);
    }
  };
}

/** How many requests share one request signal before a fresh one is started. */
export const REQUEST_SIGNAL_GENERATION = 16;
const GENERATION = REQUEST_SIGNAL_GENERATION;

interface Generation {
  controller: AbortController;
  issued: number;
  open: number;
  unwatch: () => void;
}

const generations = new WeakMap<AbortSignal, Generation>();

/**
 * The signal to hand an SDK for one request, aborted when `parent` aborts; `release` once the
 * request is over. SDKs attach a listener to the signal they are given and never remove it, so a
 * long-lived signal (the command's) must never be handed to them directly: every request would
 * leave a listener behind. Requests instead share a signal per generation of 16: its leftover
 * listeners go with it once its requests are over and a new generation has taken its place.
 * `AbortSignal.any([parent])` per request does not do: a dependent signal with an abort listener
 * lives as long as its source can abort, so each request's signal (with the SDK's listener) would
 * live as long as the command (test/lm/scheduler/request-signal-gc.test.ts; ~1.2 KB a request
 * measured on Node 20). A fresh AbortController per request, its listener on the parent removed
 * when the request ends, would do too, but the SDK's listener on a fresh signal costs several
 * times what it costs on a shared one, a visible share of a request's overhead at high throughput.
 */
export function requestSignal(parent: AbortSignal | undefined): { signal?: AbortSignal; release: () => void } {
  if (!parent) return { release: () => {} };
  if (parent.aborted) return { signal: AbortSignal.abort(parent.reason), release: () => {} };
  let gen = generations.get(parent);
  if (!gen || gen.issued >= GENERATION) {
    const controller = new AbortController();
    // Up to GENERATION listeners by design (plus the SDKs' retries' and a margin).
    setMaxListeners(4 * GENERATION, controller.signal);
    const fresh: Generation = { controller, issued: 0, open: 0, unwatch: () => {} };
    fresh.unwatch = watchAbort(parent, () => controller.abort(parent.reason));
    generations.set(parent, fresh);
    gen = fresh;
  }
  const g = gen;
  g.issued++;
  g.open++;
  let released = false;
  return {
    signal: g.controller.signal,
    release: () => {
      if (released) return;
      released = true;
      g.open--;
      // A full generation whose requests are all over no longer needs the parent.
      if (g.open === 0 && g.issued >= GENERATION) g.unwatch();
    },
  };
}
