import { RecentOutcomes, refusedShare, sampleSize, type AttemptOutcome } from "./attempt-outcomes.js";
import { LoweringTest, MAX_TEST_SAMPLE, TEST_REFUSALS, TEST_SAMPLE, TEST_WINDOW_MS } from "./lowering-test.js";

/** Lowerings remembered as unjudged (older ones stand). */
const UNJUDGED_MEMORY = 64;
/**
 * The latest answers that tell whether the refused share has risen above what a test found not to be
 * ours: many, so that chance alone (a rise of 0.2 on 30% is five standard deviations here) never
 * looks like one…
 */
const RISE_WINDOW = 128;
/** …and at least this many. */
const RISE_MIN = 16;
/** Once a lowering changed nothing, lowering resumes only when the refused share is this much higher… */
export const NOT_OURS_MARGIN = 0.2;
/** …or above this (most refused: taken as the rate's, whatever was found before). */
const MAX_NOT_OURS = 0.5;

/**
 * Keeps the verdicts on the lowerings of the rate (see LoweringTest) and says whether another may be
 * made. One lowering is tested at a time; until its verdict no other is made (unless it can no longer
 * be found "not ours"). Lowerings nobody could judge ("unclear", or made while one could not be) stay
 * unjudged: a later "not ours" takes them back with its own, an "ours" settles them.
 *
 * After "not ours" the provider is known to refuse a share of requests whatever is sent; until that
 * share rises clearly (NOT_OURS_MARGIN, on the latest RISE_WINDOW answers) no lowering is made, and
 * (see RateLimitEpisodes) 429s pause nothing but their own request. An "ours" verdict ends that.
 */
export class LoweringJudge<T> {
  private test: LoweringTest<T> | undefined;
  private unjudged: T[] = [];
  /** The refused share a test found not to depend on the rate. */
  private flatShare: number | undefined;
  private readonly recent = new RecentOutcomes(MAX_TEST_SAMPLE);

  /** `foundNotOurs`: a "not ours" verdict; these lowerings (oldest first) are to be taken back. */
  constructor(
    private readonly factor: number,
    private readonly foundNotOurs: (tokens: T[]) => void,
  ) {}

  /** Attempt `index` answered at `now`. */
  onAnswer(index: number, outcome: AttemptOutcome, now: number): void {
    this.recent.push(outcome, now);
    const test = this.test;
    const verdict = test?.onAnswer(index, outcome, now);
    if (!test || !verdict) return;
    this.test = undefined;
    if (verdict === "unclear") {
      this.keepUnjudged(test.token);
    } else if (verdict === "ours") {
      this.unjudged = [];
      this.flatShare = undefined;
    } else {
      this.flatShare = test.pooledShare();
      const tokens = [...this.unjudged, test.token];
      this.unjudged = [];
      this.foundNotOurs(tokens);
    }
  }

  /** Whether a repeat may lower the rate now. */
  mayLower(): boolean {
    return !this.test?.holds() && !this.notOurs();
  }

  /** The rate was lowered at `now` (`token`), for the attempts from index `sent` on. */
  lowered(token: T, sent: number, now: number): void {
    if (this.test) this.keepUnjudged(this.test.token);
    const before = this.recent.latest(TEST_SAMPLE, TEST_REFUSALS, now - TEST_WINDOW_MS);
    this.test = new LoweringTest(token, sent, before, this.factor, now);
  }

  /** A test found the 429s not to depend on the rate, and their share has not risen clearly since. */
  notOurs(): boolean {
    if (this.flatShare === undefined) return false;
    const recent = this.recent.latest(RISE_WINDOW);
    return !(sampleSize(recent) >= RISE_MIN && refusedShare(recent) > Math.min(MAX_NOT_OURS, this.flatShare + NOT_OURS_MARGIN));
  }

  /** These lowerings were taken back for another reason (a storm): nothing more to judge of them. */
  forget(gone: ReadonlySet<T>): void {
    this.unjudged = this.unjudged.filter((t) => !gone.has(t));
    if (this.test && gone.has(this.test.token)) this.test = undefined;
  }

  private keepUnjudged(token: T): void {
    this.unjudged.push(token);
    if (this.unjudged.length > UNJUDGED_MEMORY) this.unjudged.shift();
  }
}
