import { minDefined } from "./header-limits.js";

/** Dispatch is paced at this share of a known limit, so jitter in arrival times never overruns it. */
export const PACING_MARGIN = 0.98;
/** When 429s show the rate is too high, the allowed rate becomes this share of the rate in use. */
export const DECREASE_FACTOR = 0.7;
/** After a decrease the rate climbs back by this share of the ceiling per second of success. */
export const INCREASE_SHARE_PER_SECOND = 0.02;
/** With no ceiling known, the climb is at least this many requests/min per second. */
export const MIN_INCREASE_RPM_PER_SECOND = 6;
/** Under a limit the provider reported, one decrease is regained within this long (ms). */
export const RESTORE_MS = 3000;
/** The rate never drops below this (requests/min), whatever the floor a retry-after implies. */
export const MIN_RPM = 1;
/** Successes credit at most this much time each toward the climb (ms). */
const MAX_CREDIT_MS = 1000;
/** Decreases remembered for undo (older ones are settled long since). */
const UNDOABLE = 64;

/** A decrease, as RateControl.undo needs it. */
export interface Decrease {
  readonly seq: number;
  readonly before: { aimd: number | undefined; reference: number | undefined; floor: number };
  readonly after: number;
}

/**
 * The request rate a scheduler allows, per minute: AIMD under a ceiling.
 *
 * The ceiling is the user's `rpm` and/or the provider's `limitRequests` (the lower wins; headers
 * never raise an explicit limit). With a ceiling, dispatch is paced at `PACING_MARGIN` of
 * min(AIMD rate, ceiling). With none — a server that sends no rate-limit headers, like vLLM,
 * llama.cpp or Ollama — nothing is paced (only the concurrency cap applies) until 429s show there
 * is a limit after all; from then on the AIMD rate climbs additively without bound.
 *
 * Which 429s lower the rate is not decided here (see RateLimitEpisodes): a single 429 pauses the
 * scheduler but leaves the rate that was working as it was.
 */
export class RateControl {
  private readonly explicit: number | undefined;
  private learned: number | undefined;
  /** The AIMD rate; undefined: follow the ceiling (or no pacing when there is none). */
  private aimd: number | undefined;
  /** The rate at the last decrease: the step of the climb when no ceiling is known. */
  private reference: number | undefined;
  /** The lowest pace the last decrease allowed (requests/min): one request per retry-after. */
  private floor = 0;
  private lastIncreaseAt = 0;
  private decreases = 0;
  /** Decreases not undone, oldest first. */
  private standing: number[] = [];

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
    if (c !== undefined) return this.aimd === undefined ? c * PACING_MARGIN : Math.min(c, Math.max(this.floor, Math.min(this.aimd, c) * PACING_MARGIN));
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
      // A limit the provider reports is the truth: what lowered the rate under it (other clients,
      // a hiccup) is regained within RESTORE_MS. The user's rpm alone may be above the real limit,
      // so the climb under it stays slow.
      const reported = this.learned !== undefined && this.learned === c;
      const share = reported ? Math.max(INCREASE_SHARE_PER_SECOND, (1 - DECREASE_FACTOR) / (RESTORE_MS / 1000)) : INCREASE_SHARE_PER_SECOND;
      if (this.aimd < c) this.aimd = Math.min(c, this.aimd + share * c * dt);
      return;
    }
    if (!rateBound) return;
    const step = Math.max(MIN_INCREASE_RPM_PER_SECOND, INCREASE_SHARE_PER_SECOND * (this.reference ?? this.aimd));
    this.aimd += step * dt;
  }

  /**
   * Too fast: the rate becomes DECREASE_FACTOR of the rate in use, never below `floorRpm`.
   * `observedRpm` is the rate actually dispatched lately. Returns what `undo` needs.
   */
  decrease(now: number, observedRpm: number, floorRpm: number): Decrease {
    const before = { aimd: this.aimd, reference: this.reference, floor: this.floor };
    const c = this.ceiling();
    // With a ceiling, the rate in use is the allowed one (a 429 while we send far less means others
    // share the quota: the pause handles that). Without one, the allowed rate may be far above what
    // was really sent (unpaced bursts, idle time), so the observed rate bounds it.
    const base = c !== undefined ? Math.min(this.aimd ?? c, c) : Math.min(this.aimd ?? Infinity, observedRpm);
    this.reference = base;
    this.floor = Math.max(MIN_RPM, floorRpm);
    this.aimd = Math.max(this.floor, base * DECREASE_FACTOR);
    this.lastIncreaseAt = now;
    const seq = ++this.decreases;
    this.standing.push(seq);
    if (this.standing.length > UNDOABLE) this.standing.shift();
    return { seq, before, after: this.aimd };
  }

  /**
   * Takes a decrease back (it turned out the rate was not what the provider refused). The latest
   * standing decrease is undone exactly (keeping what was climbed since); an earlier one, by scaling
   * the rate back up by what it took off.
   */
  undo(d: Decrease): void {
    const i = this.standing.indexOf(d.seq);
    if (i < 0) return;
    this.standing.splice(i, 1);
    if (i === this.standing.length) {
      this.aimd = d.before.aimd === undefined ? undefined : Math.max(d.before.aimd, this.aimd ?? 0);
      this.reference = d.before.reference;
      this.floor = d.before.floor;
    } else {
      // Following the ceiling counts as being at it.
      const before = d.before.aimd ?? this.ceiling();
      if (before !== undefined && this.aimd !== undefined) this.aimd *= before / d.after;
    }
  }
}
