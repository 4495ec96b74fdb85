import { minDefined } from "./header-limits.js";

/** Dispatch is paced at this share of a known limit, so jitter in arrival times never overruns it. */
export const PACING_MARGIN = 0.98;
/** On a 429 episode the allowed rate becomes this share of the rate in use. */
export const DECREASE_FACTOR = 0.7;
/** After a decrease the rate climbs back by this share of the ceiling per second of success. */
export const INCREASE_SHARE_PER_SECOND = 0.02;
/** With no ceiling known, the climb is at least this many requests/min per second. */
export const MIN_INCREASE_RPM_PER_SECOND = 6;
/** The rate never drops below this (requests/min). */
export const MIN_RPM = 1;
/** Successes credit at most this much time each toward the climb (ms). */
const MAX_CREDIT_MS = 1000;

/**
 * The request rate a scheduler allows, per minute: AIMD under a ceiling.
 *
 * The ceiling is the user's `rpm` and/or the provider's `limitRequests` (the lower wins; headers
 * never raise an explicit limit). With a ceiling, dispatch is paced at `PACING_MARGIN` of
 * min(AIMD rate, ceiling). With none — a server that sends no rate-limit headers, like vLLM,
 * llama.cpp or Ollama — nothing is paced (only the concurrency cap applies) until a 429 says there
 * is a limit after all; from then on the AIMD rate climbs additively without bound.
 */
export class RateControl {
  private readonly explicit: number | undefined;
  private learned: number | undefined;
  /** The AIMD rate; undefined: follow the ceiling (or no pacing when there is none). */
  private aimd: number | undefined;
  /** The rate at the last decrease: the step of the climb when no ceiling is known. */
  private reference: number | undefined;
  /** Attempts dispatched before this index were sent before the last decrease. */
  private decreasedAtRequest = -1;
  private lastIncreaseAt = 0;

  constructor(explicitRpm?: number) {
    this.explicit = explicitRpm;
  }

  /** The highest rate allowed: explicit rpm, or the learned limit, whichever is lower. */
  ceiling(): number | undefined {
    return minDefined(this.explicit, this.learned);
  }

  /** The pace of dispatch in requests/min; undefined: not paced (no limit known yet). */
  allowed(): number | undefined {
    const c = this.ceiling();
    if (c !== undefined) return Math.min(this.aimd ?? c, c) * PACING_MARGIN;
    return this.aimd;
  }

  /** The provider reported its request limit (per minute). */
  learn(limitRpm: number): void {
    this.learned = limitRpm;
  }

  /**
   * A success: climb. `rateBound` says whether the rate held calls back recently; without a
   * ceiling the rate only grows while it is what limits throughput (so idle time cannot inflate it).
   */
  onSuccess(now: number, rateBound: boolean): void {
    const dt = Math.min(MAX_CREDIT_MS, Math.max(0, now - this.lastIncreaseAt)) / 1000;
    this.lastIncreaseAt = now;
    if (this.aimd === undefined) return;
    const c = this.ceiling();
    if (c !== undefined) {
      if (this.aimd < c) this.aimd = Math.min(c, this.aimd + INCREASE_SHARE_PER_SECOND * c * dt);
      return;
    }
    if (!rateBound) return;
    const step = Math.max(MIN_INCREASE_RPM_PER_SECOND, INCREASE_SHARE_PER_SECOND * (this.reference ?? this.aimd));
    this.aimd += step * dt;
  }

  /**
   * A 429 on the attempt that was the `requestIndex`-th dispatched. Lowers the rate once per
   * episode: 429s of attempts sent before the last decrease do not lower it again.
   * `observedRpm` is the rate actually dispatched lately; `requestsSent` the attempts sent so far.
   * Returns whether the rate was lowered.
   */
  onRateLimited(now: number, requestIndex: number, observedRpm: number, requestsSent: number): boolean {
    if (requestIndex < this.decreasedAtRequest) return false;
    const c = this.ceiling();
    // With a ceiling, the rate in use is the allowed one (a 429 while we send far less means others
    // share the quota: the pause handles that). Without one, the allowed rate may be far above what
    // was really sent (unpaced bursts, idle time), so the observed rate bounds it.
    const base = c !== undefined ? Math.min(this.aimd ?? c, c) : Math.min(this.aimd ?? Infinity, observedRpm);
    this.reference = base;
    this.aimd = Math.max(MIN_RPM, base * DECREASE_FACTOR);
    this.decreasedAtRequest = requestsSent;
    this.lastIncreaseAt = now;
    return true;
  }
}
