/** A 429 episode that opens within this long after the previous pause ended (or sending began) is a repeat. */
export const REPEAT_WINDOW_MS = 2000;
/** Lowerings of a streak remembered (a streak of 429s for hours must not grow a list for hours). */
const STREAK_MEMORY = 64;

/** What the episodes do to the rate: lower it (returning what it takes to undo that), or undo a lowering. */
export interface RateActions<T> {
  slowDown(): T;
  undo(token: T): void;
}

/** The attempts of one batch: those dispatched between two pauses. */
interface Batch {
  /** Attempts with index in [from, to). */
  from: number;
  to: number;
  /** How many of them have answered (in any way), and whether any was admitted (succeeded). */
  answered: number;
  admitted: boolean;
}

interface Slowed<T> extends Batch {
  token: T;
}

/**
 * Decides which 429s mean "too fast". Attempts fall into batches: those dispatched since the last
 * pause. A 429 for an attempt of the current batch opens an episode (the scheduler pauses, which
 * ends the batch); 429s for attempts of earlier batches belong to episodes already open.
 *
 * - An episode that opens after a good stretch — more than REPEAT_WINDOW_MS after the previous
 *   pause ended, or after sending began — is a blip (another client's burst, a provider hiccup):
 *   the pause is enough, and the rate that was working stays.
 * - A repeat lowers the rate at once (at most once per episode): waiting to learn more would let
 *   batches go out at a rate the provider just refused, and an LLM's successes answer seconds after
 *   its refusals.
 * - But if every attempt of a repeat's batch turns out refused, nothing was admitted at any rate:
 *   the provider refuses everything (a storm, a pause too short) and a lower rate would change
 *   nothing. Its lowering is undone, and so is the one before it in the streak: the refusals that
 *   opened a storm came amid admissions, so they looked like the rate's. When a batch has some
 *   admitted and some refused, the rate is what the provider refuses, and the lowering stands.
 */
export class RateLimitEpisodes<T> {
  private batch: Batch = { from: 0, to: Infinity, answered: 0, admitted: false };
  /** Episodes that lowered the rate, until their batch has answered. */
  private slowed: Slowed<T>[] = [];
  /** The lowerings of the current streak (repeats since the last blip) that still stand, oldest first. */
  private streak: T[] = [];
  /** The longest retry-after of the 429s since the last blip (what the rate floor is based on). */
  private longestRetryAfter = 0;
  /** When the last pause ends (undefined: there was none yet). */
  private pauseEnd: number | undefined;

  constructor(private readonly actions: RateActions<T>) {}

  /** Attempt `index` answered: admitted (it succeeded) or not (a 429, another failure, an abort). */
  onAnswer(index: number, admitted: boolean): void {
    if (index >= this.batch.from) {
      this.batch.answered++;
      if (admitted) this.batch.admitted = true;
      return;
    }
    for (let i = 0; i < this.slowed.length; i++) {
      const e = this.slowed[i]!;
      if (index < e.from || index >= e.to) continue;
      e.answered++;
      if (admitted) e.admitted = true;
      if (e.admitted || e.answered >= e.to - e.from) {
        this.slowed.splice(i, 1);
        if (!e.admitted) this.refusedWhole(e.token);
      }
      return;
    }
  }

  /**
   * A 429 for attempt `index` (already counted by onAnswer), with `sent` attempts dispatched so
   * far, at `now`; sending began at `sendingSince`, and the scheduler now pauses until `pausedUntil`.
   */
  onRateLimited(index: number, sent: number, now: number, retryAfterMs: number, pausedUntil: number, sendingSince: number): void {
    const goodSince = this.pauseEnd ?? sendingSince;
    this.pauseEnd = pausedUntil;
    if (index < this.batch.from) {
      // An attempt of an earlier batch: its episode is already open (or over).
      this.longestRetryAfter = Math.max(this.longestRetryAfter, retryAfterMs);
      return;
    }
    const episode: Batch = { ...this.batch, to: sent };
    this.batch = { from: sent, to: Infinity, answered: 0, admitted: false };
    const repeated = now - goodSince <= REPEAT_WINDOW_MS;
    if (!repeated) {
      // A blip after a good stretch starts a new streak; what the last one lowered stands.
      this.longestRetryAfter = 0;
      this.streak = [];
    }
    this.longestRetryAfter = Math.max(this.longestRetryAfter, retryAfterMs);
    if (!repeated) return;
    if (!episode.admitted && episode.answered >= episode.to - episode.from) {
      this.refusedWhole(undefined);
      return;
    }
    const token = this.actions.slowDown();
    this.streak.push(token);
    if (this.streak.length > STREAK_MEMORY) this.streak.shift();
    if (!episode.admitted) this.slowed.push({ ...episode, token });
  }

  /** A repeat's batch was refused whole: undo its own lowering (if any) and the one before it. */
  private refusedWhole(own: T | undefined): void {
    let i = own === undefined ? this.streak.length : this.streak.indexOf(own);
    if (i < 0) return; // its streak is over: what it lowered stands
    const undo = this.streak.slice(Math.max(0, i - 1), own === undefined ? i : i + 1);
    this.streak.splice(Math.max(0, i - 1), undo.length);
    // The one before may still be waiting for its own batch: it is settled now.
    this.slowed = this.slowed.filter((e) => !undo.includes(e.token));
    for (const token of undo.reverse()) this.actions.undo(token);
  }

  /** The longest retry-after the provider asked for since the last blip (ms). */
  retryAfterMs(): number {
    return this.longestRetryAfter;
  }
}
