import { setMaxListeners } from "node:events";

/**
 * A stop in two stages, carried by one AbortSignal so the library's `signal` options stay as they
 * are. The signal a command hands down aborts on the first Ctrl-C: stop dispatching (no new
 * example, step or proposal starts). Work already started keeps going on a second signal, the
 * quit signal, which aborts only on the second Ctrl-C: the calls in flight then end, and what they
 * return is recorded and counts. Code that runs one unit of work (an example, a proposal) hands
 * `inFlightSignal(signal)` to it. A plain AbortSignal (a library user's) has no second stage:
 * aborting it stops and aborts at once, as AbortSignals do.
 */
export interface TwoStageStop {
  /** The signal to hand down: aborted by `stop()` (and by `quit()`). */
  readonly signal: AbortSignal;
  /** The first stage: dispatch nothing new; let what is in flight end. */
  stop(): void;
  /** The second stage: abort what is in flight too. */
  quit(): void;
}

const quitSignals = new WeakMap<AbortSignal, AbortSignal>();
const stopSignals = new WeakMap<AbortSignal, AbortSignal>();

export function twoStageStop(): TwoStageStop {
  const stopping = new AbortController();
  const quitting = new AbortController();
  // Every call in flight may listen to these: dozens at once is the design, not a leak.
  setMaxListeners(0, stopping.signal, quitting.signal);
  quitSignals.set(stopping.signal, quitting.signal);
  stopSignals.set(quitting.signal, stopping.signal);
  return {
    signal: stopping.signal,
    stop: () => stopping.abort(),
    quit: () => {
      stopping.abort();
      quitting.abort();
    },
  };
}

/** The signal for work already under way: the quit stage of a two-stage stop, else the signal itself. */
export function inFlightSignal(signal: AbortSignal): AbortSignal;
export function inFlightSignal(signal: AbortSignal | undefined): AbortSignal | undefined;
export function inFlightSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal && (quitSignals.get(signal) ?? signal);
}

/**
 * The signal that says to send nothing new, for code handed an in-flight signal that still waits
 * before it sends (a call queued for capacity, or backing off before a retry): the stop stage of a
 * two-stage stop, else the signal itself. A call not yet sent is not in flight.
 */
export function dispatchSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal && (stopSignals.get(signal) ?? signal);
}
