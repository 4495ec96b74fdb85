import { FakeClock } from "../../support/fake-clock.js";
import { Scheduler } from "../../../src/lm/scheduler/scheduler.js";
import type { AttemptResult, SchedulerOptions } from "../../../src/lm/scheduler/types.js";

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One attempt the test finishes by hand. */
export interface ManualAttempt {
  id: string;
  /** Which attempt of its call this is (1-based). */
  n: number;
  startedAt: number;
  signal: AbortSignal | undefined;
  succeed: (value?: string, extra?: Omit<AttemptResult<string>, "value">) => void;
  fail: (err: unknown) => void;
}

/** How a settled call ended, recorded without unhandled rejections. */
export interface Settled {
  done: boolean;
  value?: string;
  error?: unknown;
}

export interface Harness {
  clock: FakeClock;
  scheduler: Scheduler;
  /** Every attempt started, in start order. */
  attempts: ManualAttempt[];
  /** Highest number of attempts in flight at once. */
  maxInFlight: () => number;
  /** Starts a call whose attempts the test finishes by hand. */
  call: (id: string, options?: { tokens?: number; signal?: AbortSignal }) => { promise: Promise<string>; settled: Settled };
  /** Attempts not yet finished. */
  open: () => ManualAttempt[];
  /** The last attempt started for call `id`. */
  last: (id: string) => ManualAttempt;
}

export function harness(options: Partial<SchedulerOptions> = {}): Harness {
  const clock = new FakeClock(0);
  const scheduler = new Scheduler({ name: "test:model", concurrency: 4, clock, seed: 1, timeoutMs: 3_600_000, ...options });
  const attempts: ManualAttempt[] = [];
  const finished = new Set<ManualAttempt>();
  let inFlight = 0;
  let max = 0;
  const call: Harness["call"] = (id, opts = {}) => {
    let n = 0;
    const settled: Settled = { done: false };
    const promise = scheduler.run<string>(
      opts.tokens ?? 0,
      ({ signal }) => {
        const d = deferred<AttemptResult<string>>();
        inFlight++;
        max = Math.max(max, inFlight);
        const a: ManualAttempt = {
          id,
          n: ++n,
          startedAt: clock.now(),
          signal,
          succeed: (value = id, extra = {}) => d.resolve({ value, ...extra }),
          fail: (err) => d.reject(err),
        };
        attempts.push(a);
        const end = (): void => {
          if (finished.has(a)) return;
          finished.add(a);
          inFlight--;
        };
        d.promise.then(end, end);
        signal?.addEventListener("abort", end, { once: true });
        return d.promise;
      },
      opts.signal ? { signal: opts.signal } : {},
    );
    promise.then(
      (value) => Object.assign(settled, { done: true, value }),
      (error: unknown) => Object.assign(settled, { done: true, error }),
    );
    return { promise, settled };
  };
  return {
    clock,
    scheduler,
    attempts,
    maxInFlight: () => max,
    call,
    open: () => attempts.filter((a) => !finished.has(a)),
    last: (id) => {
      const mine = attempts.filter((a) => a.id === id);
      const a = mine[mine.length - 1];
      if (!a) throw new Error(`no attempt started for ${id}`);
      return a;
    },
  };
}
