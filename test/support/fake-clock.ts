import { sleepOn } from "../../src/lm/scheduler/clock.js";
import type { Clock } from "../../src/lm/scheduler/types.js";

interface FakeTimer {
  due: number;
  seq: number;
  fire: () => void;
}

/** Lets every promise continuation that is already queued run (one macrotask turn). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock for tests and simulations: time only moves when the test says so. `advance` fires timers
 * in due order (ties in creation order) and lets promise continuations run after each one, so code
 * written against `Clock` runs exactly as it would in real time, only deterministically and fast.
 */
export class FakeClock implements Clock {
  private t: number;
  private timers: FakeTimer[] = [];
  private seq = 0;
  /** Timers fired without time moving; a guard against busy loops in the code under test. */
  private firedAtSameTime = 0;
  private readonly busyLimit: number;

  constructor(start = 0, options: { busyLimit?: number } = {}) {
    this.t = start;
    this.busyLimit = options.busyLimit ?? 100_000;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  timer(ms: number, fn: () => void): () => void {
    const timer: FakeTimer = { due: this.t + Math.max(0, Number.isFinite(ms) ? ms : 0), seq: this.seq++, fire: fn };
    this.insert(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer fires (undefined: none pending). */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.due;
  }

  /** Lets queued promise continuations run and fires timers already due, without moving time. */
  async flush(): Promise<void> {
    await this.advanceTo(this.t);
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  /** Moves time forward to `target`, firing every timer due on the way. */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.timers[0];
      if (next && next.due <= target) {
        this.fireNext(next);
        continue;
      }
      if (this.t < target) {
        this.t = target;
        this.firedAtSameTime = 0;
        continue;
      }
      return;
    }
  }

  /**
   * Runs timers until `promise` settles and returns its outcome. Throws if it is still pending when
   * no timer is left (a deadlock) or after `maxMs` of fake time.
   */
  async run<T>(promise: Promise<T>, maxMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    const observed = promise.then(
      (value) => {
        settled = true;
        return value;
      },
      (err: unknown) => {
        settled = true;
        throw err;
      },
    );
    observed.catch(() => {});
    const limit = this.t + maxMs;
    for (;;) {
      await settle();
      if (settled) return observed;
      const next = this.timers[0];
      if (!next) throw new Error(`FakeClock.run: the promise is still pending at t=${this.t} and no timer is left (deadlock)`);
      if (next.due > limit) throw new Error(`FakeClock.run: the promise is still pending after ${maxMs} ms of fake time`);
      this.fireNext(next);
    }
  }

  private fireNext(next: FakeTimer): void {
    this.timers.shift();
    if (next.due > this.t) {
      this.t = next.due;
      this.firedAtSameTime = 0;
    } else if (++this.firedAtSameTime > this.busyLimit) {
      throw new Error(`FakeClock: more than ${this.busyLimit} timers fired at t=${this.t} without time moving (busy loop?)`);
    }
    next.fire();
  }

  private insert(timer: FakeTimer): void {
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.due > timer.due) i--;
    this.timers.splice(i, 0, timer);
  }
}
