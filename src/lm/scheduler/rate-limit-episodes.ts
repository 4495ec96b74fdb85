import { OUTCOME_LOG_SIZE, OutcomeLog, RecentOutcomes, sampleSize, type AttemptOutcome } from "./attempt-outcomes.js";
import { LoweringJudge } from "./lowering-judge.js";
import { DECREASE_FACTOR } from "./rate-control.js";

/** A 429 episode that opens within this long after the previous pause ended (or sending began) is a repeat. */
export const REPEAT_WINDOW_MS = 2000;
/** Lowerings of a streak remembered (a streak of 429s for hours must not grow a list for hours). */
const STREAK_MEMORY = 64;
/** Episodes remembered while their batch is out or their pause runs. */
const EPISODE_MEMORY = 64;
/** A pause is lifted by at least this many admitted after the 429 that opened it. */
const LIFT_MIN_ADMITTED = 3;
/** Witnesses (of the latest episodes) whose answers are pooled… */
const WITNESS_POOL = 32;
/** …if they came within this long (ms). */
const WITNESS_WINDOW_MS = 30_000;
/** Witnesses it takes to call the 429s isolated. */
const ISOLATED_MIN = 16;

/** What the episodes do to the rate: lower it (returning what it takes to undo that), or undo a lowering. */
export interface RateActions<T> {
  slowDown(): T;
  undo(token: T): void;
}

/** The attempts of one batch: those dispatched between two episodes. */
interface Batch {
  /** Attempts with index in [from, to). */
  from: number;
  to: number;
  /** How many of them have answered (in any way), and how many were admitted. */
  answered: number;
  admitted: number;
}

interface Episode<T> extends Batch {
  /** Its witnesses: the attempts sent after the 429 that opened it and before that 429 came back, [witnessFrom, to). */
  witnessFrom: number;
  witnessesAdmitted: number;
  /** Admitted witnesses that lift the pause (Infinity: too few witnesses to tell). */
  toLift: number;
  /** When its pause ends, unless lifted. */
  until: number;
  lifted: boolean;
  /** Its batch was the first, or sent after a pause that ran its course (the one before was not lifted). */
  afterPause: boolean;
  /** A repeat whose batch, sent after a pause, had nothing admitted yet: watched until something is, or all is refused. */
  watched: boolean;
  /** The lowering it made, while watched. */
  token?: T;
}

/**
 * Decides what 429s mean: how long the endpoint pauses, and whether the rate comes down. Attempts
 * fall into batches: those dispatched since the last episode. A 429 for an attempt of the current
 * batch opens an episode (a pause of its retry-after, which ends the batch); 429s for attempts of
 * earlier batches belong to the episodes of those.
 *
 * The pause — whatever pauses, the refused request itself waits its retry-after:
 * - A 429 is read as the provider's bucket being empty, so nothing is sent until retry-after. The
 *   attempts sent after the refused one (out when its 429 came back) are its witnesses: if most of
 *   the window — those and the refused one — turn out admitted, the provider was admitting what came
 *   after, and the pause is lifted. Admissions before the refused attempt prove nothing: a bucket
 *   running dry looks just like that. Far over a limit the witnesses are refused too.
 * - 429s of an episode whose pause was lifted do not pause again; nor does any 429 while most of the
 *   latest witnesses (pooled over the episodes of the last 30 s: at a low rate few are out at once)
 *   were admitted, or while the 429s are known not to be the rate's (see LoweringJudge).
 *
 * The rate:
 * - An episode that opens after a good stretch — more than REPEAT_WINDOW_MS after the previous
 *   pause ended, or after sending began — is a blip (another client's burst, a provider hiccup):
 *   the pause is enough, and the rate that was working stays.
 * - A repeat lowers the rate at once (at most once per episode): waiting to learn more would let
 *   batches go out at a rate the provider just refused, and an LLM's successes answer seconds after
 *   its refusals. But each lowering is tested, one at a time, on whether the refused share falls as
 *   it would under a limit (LoweringJudge): while one is under test, or once one was found not to be
 *   the rate's, repeats lower nothing.
 * - If every attempt of a repeat's batch sent after a pause turns out refused, nothing was admitted
 *   at any rate: the provider refuses everything (a storm, a pause too short) and a lower rate would
 *   change nothing. Its lowering is undone, and so is the one before it in the streak: the refusals
 *   that opened a storm came amid admissions, so they looked like the rate's. (A batch sent after a
 *   lifted pause can be a handful of attempts, refused whole by chance: it says nothing.)
 */
export class RateLimitEpisodes<T> {
  private batch: Batch = { from: 0, to: Infinity, answered: 0, admitted: 0 };
  private episodes: Episode<T>[] = [];
  /** The lowerings of the current streak (repeats since the last blip) that still stand, oldest first. */
  private streak: T[] = [];
  private readonly judge: LoweringJudge<T>;
  /** The longest retry-after of the 429s since the last blip (what the rate floor is based on). */
  private longestRetryAfter = 0;
  /** When the last pause ends (undefined: there was none yet). */
  private pauseEnd: number | undefined;
  private readonly log = new OutcomeLog();
  /** The answers of the latest witnesses. */
  private readonly witnessed = new RecentOutcomes(WITNESS_POOL);

  constructor(private readonly actions: RateActions<T>) {
    this.judge = new LoweringJudge<T>(DECREASE_FACTOR, (tokens) => {
      this.takeBack(tokens);
      for (const e of this.episodes) e.lifted = true;
    });
  }

  /** Attempt `index` answered at `now`; with a 429, before onRateLimited. */
  onAnswer(index: number, outcome: AttemptOutcome, now: number): void {
    this.log.record(index, outcome);
    this.judge.onAnswer(index, outcome, now);
    const admitted = outcome === "admitted" ? 1 : 0;
    if (index >= this.batch.from) {
      this.batch.answered++;
      this.batch.admitted += admitted;
      return;
    }
    const e = this.episodeOf(index);
    if (!e) return;
    e.answered++;
    e.admitted += admitted;
    if (index >= e.witnessFrom) {
      this.witnessed.push(outcome, now);
      if (admitted && ++e.witnessesAdmitted >= e.toLift && !e.lifted) {
        e.lifted = true;
        this.pauseEnd = Math.max(now, this.pausedUntil());
      }
    }
    if (e.watched && (e.admitted > 0 || e.answered >= e.to - e.from)) {
      e.watched = false;
      const token = e.token;
      delete e.token;
      if (e.admitted === 0) this.refusedWhole(token);
    }
  }

  /**
   * A 429 for attempt `index` (already passed to onAnswer), with `sent` attempts dispatched so far,
   * at `now`; sending began at `sendingSince`. Returns whether it pauses the endpoint (see pausedUntil).
   */
  onRateLimited(index: number, sent: number, now: number, retryAfterMs: number, sendingSince: number): boolean {
    const goodSince = this.pauseEnd ?? sendingSince;
    const until = now + retryAfterMs;
    if (index < this.batch.from) {
      // An attempt of an earlier batch: its episode is already open (or over).
      this.longestRetryAfter = Math.max(this.longestRetryAfter, retryAfterMs);
      const e = this.episodeOf(index) ?? this.episodes.at(-1);
      if (!e || e.lifted || this.isolated(now) || this.judge.notOurs()) return false;
      e.until = Math.max(e.until, until);
      this.pauseEnd = Math.max(now, this.pausedUntil());
      return true;
    }
    const repeated = now - goodSince <= REPEAT_WINDOW_MS;
    if (!repeated) {
      // A blip after a good stretch starts a new streak; what the last one lowered stands.
      this.longestRetryAfter = 0;
      this.streak = [];
    }
    const witnessFrom = Math.max(index + 1, sent - OUTCOME_LOG_SIZE);
    const witnesses = sent - witnessFrom;
    const toLift = Math.max(LIFT_MIN_ADMITTED, Math.floor((witnesses + 1) / 2) + 1);
    const answered = this.log.sample(witnessFrom, sent);
    for (let i = 0; i < answered.admitted; i++) this.witnessed.push("admitted", now);
    for (let i = 0; i < answered.refused; i++) this.witnessed.push("refused", now);
    const isolated = this.isolated(now);
    const previous = this.episodes.at(-1);
    const episode: Episode<T> = {
      ...this.batch,
      to: sent,
      witnessFrom,
      witnessesAdmitted: answered.admitted,
      toLift: toLift > witnesses ? Infinity : toLift,
      until,
      lifted: false,
      afterPause: !previous?.lifted,
      watched: false,
    };
    episode.lifted = episode.witnessesAdmitted >= episode.toLift || isolated || this.judge.notOurs();
    this.batch = { from: sent, to: Infinity, answered: 0, admitted: 0 };
    this.remember(episode, now);
    this.pauseEnd = Math.max(now, this.pausedUntil());

    this.longestRetryAfter = Math.max(this.longestRetryAfter, retryAfterMs);
    if (!repeated) return !episode.lifted;
    if (episode.afterPause && episode.admitted === 0 && episode.answered >= episode.to - episode.from) {
      this.refusedWhole(undefined);
      return !episode.lifted;
    }
    const token = this.judge.mayLower() ? this.slowDown(sent, now) : undefined;
    if (episode.afterPause && episode.admitted === 0) {
      episode.watched = true;
      if (token !== undefined) episode.token = token;
    }
    return !episode.lifted;
  }

  /** When dispatch may resume: the latest end of the pauses not lifted (0 or past: not paused). */
  pausedUntil(): number {
    let until = 0;
    for (const e of this.episodes) if (!e.lifted && e.until > until) until = e.until;
    return until;
  }

  /** The longest retry-after the provider asked for since the last blip (ms). */
  retryAfterMs(): number {
    return this.longestRetryAfter;
  }

  private slowDown(sent: number, now: number): T {
    const token = this.actions.slowDown();
    this.streak.push(token);
    if (this.streak.length > STREAK_MEMORY) this.streak.shift();
    this.judge.lowered(token, sent, now);
    return token;
  }

  /**
   * Most of the latest witnesses were admitted: the provider has been admitting what was sent after
   * its refusals, so a 429 is no sign of an empty bucket, and pauses nobody but its own request.
   * (Far over a limit, the witnesses are refused too.)
   */
  private isolated(now: number): boolean {
    const w = this.witnessed.within(WITNESS_POOL, now - WITNESS_WINDOW_MS);
    return sampleSize(w) >= ISOLATED_MIN && w.admitted > w.refused;
  }

  /** A repeat's batch was refused whole: undo its own lowering (if any) and the one before it. */
  private refusedWhole(own: T | undefined): void {
    const i = own === undefined ? this.streak.length : this.streak.indexOf(own);
    if (i < 0) return; // its streak is over: what it lowered stands
    this.takeBack(this.streak.slice(Math.max(0, i - 1), own === undefined ? i : i + 1));
  }

  /** Undoes lowerings (given oldest first), latest first, and forgets them everywhere. */
  private takeBack(tokens: T[]): void {
    const gone = new Set(tokens);
    this.streak = this.streak.filter((t) => !gone.has(t));
    this.judge.forget(gone);
    for (const e of this.episodes) {
      if (e.token === undefined || !gone.has(e.token)) continue;
      // Its lowering is settled otherwise: what its batch shows no longer matters.
      e.watched = false;
      delete e.token;
    }
    for (const token of [...tokens].reverse()) this.actions.undo(token);
  }

  private episodeOf(index: number): Episode<T> | undefined {
    for (let i = this.episodes.length - 1; i >= 0; i--) {
      const e = this.episodes[i]!;
      if (index >= e.from && index < e.to) return e;
    }
    return undefined;
  }

  /** Keeps `episode`, dropping those whose batch has answered and whose pause is over (or lifted). */
  private remember(episode: Episode<T>, now: number): void {
    this.episodes = this.episodes.filter((e) => e.watched || e.answered < e.to - e.from || (!e.lifted && e.until > now));
    this.episodes.push(episode);
    if (this.episodes.length > EPISODE_MEMORY) this.episodes.shift();
  }
}

