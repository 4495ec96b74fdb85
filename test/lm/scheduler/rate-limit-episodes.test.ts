import { describe, expect, it } from "vitest";
import { RateLimitEpisodes, REPEAT_WINDOW_MS } from "../../../src/lm/scheduler/rate-limit-episodes.js";

/** Episodes whose actions are logged: `slow#n` for the n-th slow-down, `undo#n` when it is taken back. */
function episodes() {
  const log: string[] = [];
  let n = 0;
  const e = new RateLimitEpisodes<number>({
    slowDown: () => {
      log.push(`slow#${++n}`);
      return n;
    },
    undo: (token) => log.push(`undo#${token}`),
  });
  let clock = 0;
  /** Attempt `index` answered 429 at `now`, with `sent` dispatched so far; pause `retryAfter`. */
  const refuse = (index: number, sent: number, now: number, retryAfter = 1000, sendingSince = 0): void => {
    clock = now;
    e.onAnswer(index, "refused", now);
    e.onRateLimited(index, sent, now, retryAfter, sendingSince);
  };
  /** Attempt `index` answered (at `now`, or when the last 429 came). */
  const admit = (index: number, now = clock): void => {
    clock = now;
    e.onAnswer(index, "admitted", now);
  };
  return { e, log, refuse, admit };
}

describe("RateLimitEpisodes: which 429s mean too fast", () => {
  it("a 429 after a good stretch is a blip: the rate stays", () => {
    const { log, refuse, admit } = episodes();
    for (let i = 0; i < 50; i++) admit(i);
    refuse(50, 60, 10_000);
    for (let i = 51; i < 60; i++) admit(i);
    expect(log).toEqual([]);
  });

  it("a repeat within the window after the previous pause slows down at once, and once per episode", () => {
    const { log, refuse, admit } = episodes();
    refuse(50, 60, 10_000); // blip; the pause ends at 11,000
    refuse(60, 70, 11_000 + REPEAT_WINDOW_MS); // the next batch: a repeat, nothing of it answered yet
    expect(log).toEqual(["slow#1"]);
    refuse(61, 70, 11_100 + REPEAT_WINDOW_MS); // same batch, same episode
    admit(62); // the provider admitted part of the batch: the slow-down stands
    for (let i = 63; i < 70; i++) refuse(i, 70, 11_200 + REPEAT_WINDOW_MS);
    expect(log).toEqual(["slow#1"]);
  });

  it("just after the window, a 429 is a blip again", () => {
    const { log, refuse } = episodes();
    refuse(50, 60, 10_000);
    refuse(60, 70, 11_001 + REPEAT_WINDOW_MS);
    expect(log).toEqual([]);
  });

  it("a repeat whose whole batch turns out refused (a storm) has its slow-down undone", () => {
    const { log, refuse, admit } = episodes();
    refuse(50, 60, 10_000);
    refuse(60, 76, 11_050);
    expect(log).toEqual(["slow#1"]);
    for (let i = 61; i < 75; i++) refuse(i, 76, 11_060);
    expect(log).toEqual(["slow#1"]); // one still out
    refuse(75, 76, 11_070);
    expect(log).toEqual(["slow#1", "undo#1"]);
    // the storm is over: the next batch gets through, and nothing is lowered on the way
    for (let i = 76; i < 90; i++) admit(i);
    expect(log).toEqual(["slow#1", "undo#1"]);
  });

  it("a repeat refused whole also takes back the lowering before it in the streak (a storm's first 429s came amid admissions)", () => {
    const { log, refuse, admit } = episodes();
    refuse(50, 60, 10_000); // blip: pause until 11,000
    admit(60);
    refuse(61, 70, 12_500); // a repeat with part of its batch admitted: stands for now
    expect(log).toEqual(["slow#1"]);
    // The next batch, refused whole. Its 429 is a repeat, but slow#1 is still being tested (nothing was
    // sent at the lowered rate yet), so it lowers nothing more; refused whole, it takes slow#1 back.
    refuse(70, 74, 13_600);
    for (let i = 71; i < 74; i++) refuse(i, 74, 13_650);
    expect(log).toEqual(["slow#1", "undo#1"]);
    // after a blip, the streak is over: a batch refused whole takes back nothing before it
    refuse(74, 80, 60_000);
    refuse(80, 81, 61_100); // a repeat, refused whole at once
    expect(log).toEqual(["slow#1", "undo#1"]);
  });

  it("any answer other than a success counts as not admitted (a timeout, a 5xx, an abort)", () => {
    const { e, log, refuse } = episodes();
    refuse(50, 60, 10_000);
    refuse(60, 63, 11_050);
    e.onAnswer(61, "other", 11_100);
    e.onAnswer(62, "other", 11_100);
    expect(log).toEqual(["slow#1", "undo#1"]);
  });

  it("a 429 on the very first request (a batch of one, refused whole): nothing to slow down", () => {
    const { log, refuse, admit } = episodes();
    refuse(0, 1, 40, 1000, 40);
    admit(1);
    expect(log).toEqual([]);
  });

  it("429s in the first seconds of sending are repeats: no good stretch to protect", () => {
    const { log, refuse, admit } = episodes();
    for (let i = 0; i < 10; i++) admit(i);
    refuse(12, 50, 200, 90);
    expect(log).toEqual(["slow#1"]);
  });

  it("429s of attempts sent before the episode opened do not open another", () => {
    const { log, refuse } = episodes();
    refuse(50, 60, 10_000);
    refuse(60, 70, 11_100); // a repeat: slow#1
    refuse(55, 70, 11_110); // sent before the episode at 10,000 opened: nothing new
    refuse(65, 70, 11_120); // in slow#1's batch
    expect(log).toEqual(["slow#1"]);
  });

  it("remembers the longest retry-after since the last blip", () => {
    const { e, refuse } = episodes();
    refuse(10, 20, 10_000, 300);
    refuse(11, 20, 10_010, 2000);
    expect(e.retryAfterMs()).toBe(2000);
    refuse(20, 30, 12_500, 500);
    expect(e.retryAfterMs()).toBe(2000);
    refuse(30, 40, 60_000, 400); // a blip: a new streak
    expect(e.retryAfterMs()).toBe(400);
  });
});

describe("RateLimitEpisodes: the pause", () => {
  it("pauses until retry-after; lifted once most of the window after the refused attempt is admitted", () => {
    const { e, refuse, admit } = episodes();
    refuse(0, 10, 1000); // attempts 1-9 are out: its witnesses
    expect(e.pausedUntil()).toBe(2000);
    for (let i = 1; i <= 5; i++) admit(i, 1050);
    expect(e.pausedUntil()).toBe(2000); // 5 of the window of 10
    admit(6, 1060);
    expect(e.pausedUntil()).toBe(0);
  });

  it("witnesses refused keep it (a bucket that ran dry), and extend it", () => {
    const { e, refuse } = episodes();
    refuse(0, 10, 1000);
    for (let i = 1; i < 10; i++) refuse(i, 10, 1000 + 10 * i);
    expect(e.pausedUntil()).toBe(2090);
  });

  it("admissions before the refused attempt lift nothing: a bucket running dry looks just like that", () => {
    const { e, refuse, admit } = episodes();
    for (let i = 0; i < 9; i++) admit(i, 900);
    refuse(9, 10, 1000);
    expect(e.pausedUntil()).toBe(2000);
  });

  it("with fewer than three witnesses the pause is never lifted", () => {
    const { e, refuse, admit } = episodes();
    refuse(0, 3, 1000);
    admit(1, 1010);
    admit(2, 1020);
    expect(e.pausedUntil()).toBe(2000);
  });

  it("once lifted, the 429s of its window pause nothing (each waits its own retry-after)", () => {
    const { e, refuse, admit } = episodes();
    refuse(0, 10, 1000);
    for (let i = 1; i <= 6; i++) admit(i, 1050);
    e.onAnswer(7, "refused", 1100);
    expect(e.onRateLimited(7, 10, 1100, 1000, 0)).toBe(false);
    expect(e.pausedUntil()).toBe(0);
  });

  it("once most of the latest 16 witnesses (pooled over episodes) were admitted, a 429 pauses nothing; refused ones keep pausing", () => {
    for (const witness of ["admitted", "refused"] as const) {
      const { e, refuse } = episodes();
      // Four episodes of four witnesses each.
      for (let k = 0; k < 4; k++) {
        const base = 10 * k;
        refuse(base, base + 5, 1000 + 2000 * k);
        for (let i = base + 1; i < base + 5; i++) e.onAnswer(i, witness, 1050 + 2000 * k);
      }
      // A 429 with no witness at all.
      e.onAnswer(50, "refused", 9000);
      expect(e.onRateLimited(50, 51, 9000, 1000, 0)).toBe(witness === "refused");
    }
  });

  it("fifteen pooled witnesses are not enough", () => {
    const { e, refuse, admit } = episodes();
    for (let k = 0; k < 3; k++) {
      refuse(10 * k, 10 * k + 6, 1000 + 2000 * k);
      for (let i = 10 * k + 1; i < 10 * k + 6; i++) admit(i, 1050 + 2000 * k);
    }
    e.onAnswer(50, "refused", 9000);
    expect(e.onRateLimited(50, 51, 9000, 1000, 0)).toBe(true);
  });

  it("a repeat's batch sent after a lifted pause and refused whole (a handful, by chance) takes nothing back", () => {
    const { log, refuse, admit } = episodes();
    refuse(50, 60, 10_000); // a blip
    for (let i = 51; i <= 56; i++) admit(i, 10_050); // lifted at 10,050
    refuse(60, 62, 10_100); // a repeat: lowers
    refuse(61, 62, 10_110); // its batch of two, refused whole
    expect(log).toEqual(["slow#1"]);
  });
});

describe("RateLimitEpisodes: 429s that do not depend on the rate", () => {
  it("the repeats' lowerings are tested; once the share is found not to fall, they are taken back and 429s pause nothing", () => {
    const { e, log, refuse, admit } = episodes();
    // 30% refused whatever the rate, one attempt out at a time (so no 429 ever has a witness).
    const answer = (i: number): void => ([0, 3, 6].includes(i % 10) ? refuse(i, i + 1, 10 * i) : admit(i, 10 * i));
    for (let i = 0; i < 40; i++) answer(i);
    // The first repeat lowered the rate; its sample before was too small to judge, so a repeat after
    // its verdict lowered again, and that one is still under test.
    expect(log).toEqual(["slow#1", "slow#2"]);
    let i = 40;
    while (log.length === 2) answer(i++);
    expect(log).toEqual(["slow#1", "slow#2", "undo#2", "undo#1"]);
    // Now a 429 with no witness pauses nothing, and repeats lower nothing.
    for (const end = i + 60; i < end; i++) {
      answer(i);
      if (i % 10 === 0) expect(e.pausedUntil()).toBeLessThanOrEqual(10 * i);
    }
    expect(log).toHaveLength(4);
  });
});
