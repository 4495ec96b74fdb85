import { setMaxListeners } from "node:events";
import { LMCallError } from "../../src/lm/call-error.js";
import type { FakeClock } from "./fake-clock.js";
import type { Scheduler } from "../../src/lm/scheduler/scheduler.js";
import type { AttemptResult, SchedulerStatsDetail } from "../../src/lm/scheduler/types.js";

type Attempt = (signal: AbortSignal | undefined) => Promise<AttemptResult<number>>;

/** Estimated tokens per call (what the simulations charge up front). */
const TOKENS_PER_CALL = 100;

export interface SteadyLoadResult {
  /** Calls that failed for good. */
  failed: number;
  /** The scheduler's counters at the end of the window. */
  stats: SchedulerStatsDetail;
}

/**
 * `callers` loops, each calling the scheduler again as soon as its call settles, for `durationMs`
 * of fake time; then stops them all.
 */
export async function steadyLoad(
  clock: FakeClock,
  scheduler: Scheduler,
  attempt: Attempt,
  options: { callers: number; durationMs: number },
): Promise<SteadyLoadResult> {
  const stop = new AbortController();
  // Every caller waits on this one signal at once: many listeners by design, not a leak.
  setMaxListeners(options.callers * 2, stop.signal);
  let failed = 0;
  const callers = Array.from({ length: options.callers }, async () => {
    while (!stop.signal.aborted) {
      try {
        await scheduler.run(TOKENS_PER_CALL, ({ signal }) => attempt(signal), { signal: stop.signal });
      } catch (err) {
        if ((err as Error).name === "AbortError") return;
        failed++;
      }
    }
  });
  await clock.advanceTo(clock.now() + options.durationMs);
  const stats = scheduler.stats();
  stop.abort();
  await clock.advance(1000);
  await Promise.all(callers);
  return { failed, stats };
}

export interface EvaluationResult {
  /** Fake time when the last call settled. */
  finishedAt: number;
  failed: number;
  stats: SchedulerStatsDetail;
}

/** `calls` calls started at once (an evaluation of that many examples); runs until all settle. */
export async function evaluation(
  clock: FakeClock,
  scheduler: Scheduler,
  attempt: Attempt,
  options: { calls: number; maxMs?: number },
): Promise<EvaluationResult> {
  let failed = 0;
  let finishedAt = clock.now();
  const calls = Array.from({ length: options.calls }, () =>
    scheduler.run(TOKENS_PER_CALL, ({ signal }) => attempt(signal)).then(
      () => {
        finishedAt = clock.now();
      },
      () => {
        failed++;
        finishedAt = clock.now();
      },
    ),
  );
  await clock.run(Promise.all(calls), options.maxMs);
  return { finishedAt, failed, stats: scheduler.stats() };
}

/**
 * The reference the scheduler's 429 handling is measured against: `calls` calls started at once,
 * at most `concurrency` attempts out, and a refused attempt waits its own retry-after (1 s if none)
 * and is tried again; no pause, no pacing. Against 429s that do not depend on the rate, nothing does
 * better. Returns the fake time when the last call succeeded.
 */
export async function ownRetryAfterOnly(
  clock: FakeClock,
  attempt: Attempt,
  options: { calls: number; concurrency: number; maxMs?: number },
): Promise<number> {
  let free = options.concurrency;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  let finishedAt = clock.now();
  const call = async (): Promise<void> => {
    for (;;) {
      await slot();
      try {
        await attempt(undefined);
        release();
        finishedAt = clock.now();
        return;
      } catch (err) {
        release();
        if (!(err instanceof LMCallError) || err.kind !== "rate_limit") throw err;
        await clock.sleep(err.rateLimit?.retryAfterMs ?? 1000);
      }
    }
  };
  await clock.run(Promise.all(Array.from({ length: options.calls }, call)), options.maxMs);
  return finishedAt;
}
