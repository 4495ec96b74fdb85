/** What became of one attempt, as far as rate limits go: admitted (answered), refused (429), or other (5xx, timeout, abort). */
export type AttemptOutcome = "admitted" | "refused" | "other";

/** Admitted and refused answers of some attempts (other outcomes say nothing about the rate). */
export interface Sample {
  admitted: number;
  refused: number;
}

export function sampleSize(s: Sample): number {
  return s.admitted + s.refused;
}

export function refusedShare(s: Sample): number {
  const n = sampleSize(s);
  return n === 0 ? 0 : s.refused / n;
}

/** Attempts whose outcome is remembered by index: the latest this many. */
export const OUTCOME_LOG_SIZE = 1024;

/** Slots hold 0 while pending. */
const CODE: Record<AttemptOutcome, number> = { admitted: 1, refused: 2, other: 3 };

/** The outcomes of the latest OUTCOME_LOG_SIZE attempts, by request index (older ones are forgotten). */
export class OutcomeLog {
  private readonly index = new Float64Array(OUTCOME_LOG_SIZE).fill(-1);
  private readonly code = new Uint8Array(OUTCOME_LOG_SIZE);

  record(index: number, outcome: AttemptOutcome): void {
    const slot = index % OUTCOME_LOG_SIZE;
    this.index[slot] = index;
    this.code[slot] = CODE[outcome];
  }

  /** The admitted and refused among the attempts with index in [from, to) (only the remembered ones count). */
  sample(from: number, to: number): Sample {
    const s: Sample = { admitted: 0, refused: 0 };
    for (let i = Math.max(from, to - OUTCOME_LOG_SIZE); i < to; i++) {
      const slot = i % OUTCOME_LOG_SIZE;
      if (this.index[slot] !== i) continue;
      if (this.code[slot] === CODE.admitted) s.admitted++;
      else if (this.code[slot] === CODE.refused) s.refused++;
    }
    return s;
  }
}

/** The last `size` admitted-or-refused answers, in the order they came. */
export class RecentOutcomes {
  /** When each answer came, and whether it was a refusal, oldest first, in a ring from `head`. */
  private readonly at: number[] = [];
  private readonly refusedAt: boolean[] = [];
  private head = 0;

  constructor(private readonly size: number) {}

  push(outcome: AttemptOutcome, now: number): void {
    if (outcome === "other") return;
    const refused = outcome === "refused";
    if (this.at.length < this.size) {
      this.at.push(now);
      this.refusedAt.push(refused);
    } else {
      this.at[this.head] = now;
      this.refusedAt[this.head] = refused;
      this.head = (this.head + 1) % this.size;
    }
  }

  /**
   * The latest answers: as few as hold `answers` answers and `refusals` refusals; beyond the first
   * `answers`, none that came before `since` (so fewer refusals, if that is all there is).
   */
  latest(answers: number, refusals = 0, since = -Infinity): Sample {
    return this.walk((s, at) => sampleSize(s) < answers || (s.refused < refusals && at >= since));
  }

  /** The latest `answers` answers (fewer if there are not as many) that came at `since` or later. */
  within(answers: number, since: number): Sample {
    return this.walk((s, at) => sampleSize(s) < answers && at >= since);
  }

  /** Counts answers from the latest back while `more` says so. */
  private walk(more: (s: Sample, at: number) => boolean): Sample {
    const kept = this.at.length;
    const s: Sample = { admitted: 0, refused: 0 };
    for (let k = 1; k <= kept; k++) {
      const i = (this.head + kept - k) % kept;
      if (!more(s, this.at[i]!)) break;
      if (this.refusedAt[i]) s.refused++;
      else s.admitted++;
    }
    return s;
  }
}
