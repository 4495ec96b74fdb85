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

/**
 * A signal of its own for one request, aborted when `parent` aborts; `release` detaches it. SDKs
 * attach a listener to the signal they are given and never remove it, so a long-lived signal (the
 * command's) must never be handed to them directly: every request would leave a listener behind.
 */
export function requestSignal(parent: AbortSignal | undefined): { signal?: AbortSignal; release: () => void } {
  if (!parent) return { release: () => {} };
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release: () => {} };
  }
  const release = watchAbort(parent, () => controller.abort(parent.reason));
  return { signal: controller.signal, release };
}
