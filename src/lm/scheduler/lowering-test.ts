import { refusedShare, sampleSize, type AttemptOutcome, type Sample } from "./attempt-outcomes.js";

/** Answers on each side of a lowering a verdict waits for, at least. */
export const TEST_SAMPLE = 32;
/** Refusals the sample before a lowering is stretched back to hold (a low share needs more answers to be seen). */
export const TEST_REFUSALS = 8;
/** The longest sample before a lowering (answers). */
export const MAX_TEST_SAMPLE = 256;
/**
 * Neither sample is stretched beyond TEST_SAMPLE answers over more than this (ms): the rate climbs
 * back after a lowering (within 3 s under a limit the provider reports), so over longer spans the
 * two would not be the rates compared.
 */
export const TEST_WINDOW_MS = 5000;
/** Fewer answers than this before the lowering: nothing can be told. */
const MIN_BEFORE = 12;
/** "Ours" is said only with this many answers before (a small sample's share is too noisy to have fallen from). */
const OURS_MIN_BEFORE = 24;
/** Fewer refusals than this before the lowering: too few to see them fall (the usual case near a limit). */
const MIN_REFUSED = 4;
/** A share refused above this before the lowering is not judged: under a limit it would fall too little to tell. */
const MAX_JUDGED_SHARE = 0.5;
/** At least this many answers at the lowered rate, this share of them refused: still far over a limit. */
const STILL_OVER_SAMPLE = 8;
const STILL_OVER_SHARE = 0.75;

/**
 * Whether the rate caused the 429s:
 * - "ours": the refused share fell as it does under a limit;
 * - "not ours": it stayed where it was (the provider refuses a share of requests whatever we send);
 * - "unclear": too few answers, too few refusals, or most refused either way.
 */
export type Verdict = "ours" | "not ours" | "unclear";

/**
 * Judges a lowering of the rate by `factor` from the answers to attempts sent before it and after it
 * (undefined: not yet, more answers at the lowered rate are needed).
 *
 * Under a limit L, sending at r > L gets a share 1 − L/r refused; at factor·r, max(0, 1 − L/(factor·r)).
 * A share that does not depend on the rate stays where it was. The verdict is due with as many
 * answers after as before (TEST_SAMPLE at least): "not ours" if the share is nearer where it was than
 * what a limit leaves; "ours" only if it came within a third of the way to what a limit leaves (a fall
 * to half, say, is as likely chance as a limit: unclear). From half as many answers on, a share that
 * did not fall at all is "not ours", and one that already came that close is "ours". With most
 * refused before (r over twice the limit) the two are too close to tell from a few dozen answers.
 * `final`: the test's time is up: due from TEST_SAMPLE answers on, however many came before.
 */
export function judgeLowering(before: Sample, after: Sample, factor: number, final = false): Verdict | undefined {
  const n = sampleSize(after);
  const full = Math.max(TEST_SAMPLE, sampleSize(before));
  const due = final ? Math.max(TEST_SAMPLE, Math.min(n, full)) : full;
  if (n < due / 2) return undefined;
  const judged = judgeable(before);
  const was = refusedShare(before);
  const underLimit = Math.max(0, 1 - (1 - was) / factor);
  const now = refusedShare(after);
  const ours = judged && sampleSize(before) >= OURS_MIN_BEFORE && now <= underLimit + (was - underLimit) / 3;
  if (judged && now >= was) return "not ours";
  if (ours) return "ours";
  if (n < due) return undefined;
  if (!judged) return "unclear";
  return now > (was + underLimit) / 2 ? "not ours" : "unclear";
}

function judgeable(before: Sample): boolean {
  return sampleSize(before) >= MIN_BEFORE && before.refused >= MIN_REFUSED && refusedShare(before) <= MAX_JUDGED_SHARE;
}

/**
 * One lowering under test. The attempts sent before it are the latest answers when it was made (see
 * LoweringJudge), plus those still out then while that is under TEST_SAMPLE; the ones from index
 * `from` on were sent at the lowered rate. The verdict comes with one of their answers (see judgeLowering).
 */
export class LoweringTest<T> {
  readonly before: Sample;
  readonly after: Sample = { admitted: 0, refused: 0 };

  constructor(
    readonly token: T,
    private readonly from: number,
    recent: Sample,
    private readonly factor: number,
    private readonly startedAt: number,
  ) {
    this.before = { ...recent };
  }

  /** Attempt `index` answered at `now`; returns the verdict once it is due. */
  onAnswer(index: number, outcome: AttemptOutcome, now: number): Verdict | undefined {
    const final = now - this.startedAt >= TEST_WINDOW_MS;
    if (outcome !== "other") {
      const side = index >= this.from ? this.after : sampleSize(this.before) < TEST_SAMPLE ? this.before : undefined;
      if (side) side[outcome]++;
    }
    return final || index >= this.from ? judgeLowering(this.before, this.after, this.factor, final) : undefined;
  }

  /**
   * Whether the lowering should hold further lowerings until its verdict: not if it can no longer be
   * found "not ours" (most were refused before it, or too few), nor while nearly all is still refused
   * at the lowered rate: near a limit, or far over it, the rate may have to come down further, and
   * waiting would cost 429s.
   */
  holds(): boolean {
    const b = sampleSize(this.before);
    if (b >= MIN_BEFORE && refusedShare(this.before) > MAX_JUDGED_SHARE) return false;
    if (b >= TEST_SAMPLE && this.before.refused < MIN_REFUSED) return false;
    return !(sampleSize(this.after) >= STILL_OVER_SAMPLE && refusedShare(this.after) >= STILL_OVER_SHARE);
  }

  /** The refused share over both sides (what "not ours" found the provider refusing). */
  pooledShare(): number {
    return refusedShare({ admitted: this.before.admitted + this.after.admitted, refused: this.before.refused + this.after.refused });
  }
}
