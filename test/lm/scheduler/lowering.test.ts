import { describe, expect, it } from "vitest";
import { OUTCOME_LOG_SIZE, OutcomeLog, RecentOutcomes, type AttemptOutcome } from "../../../src/lm/scheduler/attempt-outcomes.js";
import { LoweringJudge } from "../../../src/lm/scheduler/lowering-judge.js";
import { judgeLowering, TEST_WINDOW_MS } from "../../../src/lm/scheduler/lowering-test.js";
import { DECREASE_FACTOR } from "../../../src/lm/scheduler/rate-control.js";

const s = (admitted: number, refused: number) => ({ admitted, refused });

describe("judgeLowering: did the refused share fall as a limit makes it fall?", () => {
  it("30% refused, then none at 0.7x the rate: ours", () => {
    expect(judgeLowering(s(22, 10), s(32, 0), DECREASE_FACTOR)).toBe("ours");
  });

  it("30% refused, then 30% at 0.7x: not ours, and from half the answers on", () => {
    expect(judgeLowering(s(22, 10), s(11, 5), DECREASE_FACTOR)).toBe("not ours");
    expect(judgeLowering(s(22, 10), s(10, 5), DECREASE_FACTOR)).toBeUndefined(); // 15 answers: not yet
  });

  it("a fall to half is as likely chance as a limit: unclear once due, nothing before", () => {
    expect(judgeLowering(s(22, 10), s(13, 3), DECREASE_FACTOR)).toBeUndefined();
    expect(judgeLowering(s(22, 10), s(27, 5), DECREASE_FACTOR)).toBe("unclear");
  });

  it("nearer where it was than what a limit leaves, once due: not ours", () => {
    // 50% before: a limit leaves 1 - 0.5/0.7 = 29%; 13 of 32 is 41%.
    expect(judgeLowering(s(16, 16), s(19, 13), DECREASE_FACTOR)).toBe("not ours");
  });

  it("most refused before (far over a limit, the two are too close to tell): never not ours", () => {
    expect(judgeLowering(s(10, 22), s(10, 22), DECREASE_FACTOR)).toBe("unclear");
  });

  it("too few refusals before to see a fall (near a limit): unclear", () => {
    expect(judgeLowering(s(29, 3), s(29, 3), DECREASE_FACTOR)).toBe("unclear");
  });

  it("a small sample before cannot have fallen: never ours, but a share that did not fall is still not ours", () => {
    expect(judgeLowering(s(10, 6), s(32, 0), DECREASE_FACTOR)).toBe("unclear");
    expect(judgeLowering(s(10, 6), s(10, 6), DECREASE_FACTOR)).toBe("not ours");
  });

  it("a sample before stretched for refusals is matched by as many after, unless the time is up", () => {
    const before = s(190, 10); // 5%: 200 answers to hold 10 refusals
    expect(judgeLowering(before, s(32, 0), DECREASE_FACTOR)).toBeUndefined();
    expect(judgeLowering(before, s(32, 0), DECREASE_FACTOR, true)).toBe("ours");
    expect(judgeLowering(before, s(15, 0), DECREASE_FACTOR, true)).toBeUndefined(); // due at 32: not before 16
  });
});

/** Answers of attempts [from, to), refused when index % 10 is 0, 3 or 6 (30%), at `now`. */
function thirtyPercent(judge: LoweringJudge<number>, from: number, to: number, now: number): void {
  for (let i = from; i < to; i++) judge.onAnswer(i, [0, 3, 6].includes(i % 10) ? "refused" : "admitted", now);
}

function judged() {
  const takenBack: number[][] = [];
  const judge = new LoweringJudge<number>(DECREASE_FACTOR, (tokens) => takenBack.push(tokens));
  return { judge, takenBack };
}

describe("LoweringJudge", () => {
  it("a share that did not fall: the lowering is taken back, and none is made while the share stays near it", () => {
    const { judge, takenBack } = judged();
    thirtyPercent(judge, 0, 32, 0);
    expect(judge.mayLower()).toBe(true);
    judge.lowered(1, 32, 0);
    expect(judge.mayLower()).toBe(false); // held until its verdict
    thirtyPercent(judge, 32, 47, 100);
    expect(takenBack).toEqual([]);
    thirtyPercent(judge, 47, 48, 100); // 16 answers at the lowered rate, 31% refused, as before
    expect(takenBack).toEqual([[1]]);
    expect(judge.notOurs()).toBe(true);
    expect(judge.mayLower()).toBe(false);
    // Chance runs do not end it: 20 refused in a row is still under the rise it takes over 128 answers.
    thirtyPercent(judge, 48, 128, 200);
    for (let i = 128; i < 148; i++) judge.onAnswer(i, "refused", 300);
    expect(judge.notOurs()).toBe(true);
    // A real rise does (a limit on top, say): lowering resumes.
    for (let i = 148; i < 200; i++) judge.onAnswer(i, "refused", 400);
    expect(judge.notOurs()).toBe(false);
    expect(judge.mayLower()).toBe(true);
  });

  it("a share that fell to what a limit leaves: the lowering stands", () => {
    const { judge, takenBack } = judged();
    thirtyPercent(judge, 0, 32, 0);
    judge.lowered(1, 32, 0);
    for (let i = 32; i < 48; i++) judge.onAnswer(i, "admitted", 100);
    expect(judge.mayLower()).toBe(true);
    expect(judge.notOurs()).toBe(false);
    expect(takenBack).toEqual([]);
  });

  it("lowerings nobody could judge are taken back by a later not ours, with its own", () => {
    const { judge, takenBack } = judged();
    for (let i = 0; i < 32; i++) judge.onAnswer(i, i % 4 === 0 ? "admitted" : "refused", 0); // 75% refused
    judge.lowered(1, 32, 0);
    expect(judge.mayLower()).toBe(true); // most refused before: it could never be found not ours
    judge.lowered(2, 32, 10);
    thirtyPercent(judge, 32, 64, 100); // 2's sample before was mostly refused too: unclear
    expect(judge.mayLower()).toBe(true);
    judge.lowered(3, 64, 200);
    thirtyPercent(judge, 64, 96, 300); // 28% of 32, after 31%
    expect(takenBack).toEqual([[1, 2, 3]]);
  });

  it("an ours settles the unjudged ones: a later not ours takes back only its own", () => {
    const { judge, takenBack } = judged();
    for (let i = 0; i < 32; i++) judge.onAnswer(i, i % 4 === 0 ? "admitted" : "refused", 0);
    judge.lowered(1, 32, 0);
    judge.lowered(2, 32, 10);
    thirtyPercent(judge, 32, 64, 100);
    judge.lowered(3, 64, 200);
    for (let i = 64; i < 80; i++) judge.onAnswer(i, "admitted", 300); // ours
    thirtyPercent(judge, 80, 112, 400);
    judge.lowered(4, 112, 500);
    thirtyPercent(judge, 112, 128, 600);
    expect(takenBack).toEqual([[4]]);
  });

  it("too few refusals before to see them fall (near a limit): no hold", () => {
    const { judge } = judged();
    for (let i = 0; i < 32; i++) judge.onAnswer(i, i === 5 || i === 20 ? "refused" : "admitted", 0);
    judge.lowered(1, 32, 0);
    expect(judge.mayLower()).toBe(true);
  });

  it("nearly all still refused at the lowered rate (far over a limit): the hold ends", () => {
    const { judge } = judged();
    for (let i = 0; i < 32; i++) judge.onAnswer(i, i % 5 < 2 ? "refused" : "admitted", 0); // 40%
    judge.lowered(1, 32, 0);
    for (let i = 32; i < 39; i++) judge.onAnswer(i, "refused", 100);
    expect(judge.mayLower()).toBe(false); // 7 answers: too few to say
    judge.onAnswer(39, "refused", 100);
    expect(judge.mayLower()).toBe(true);
  });

  it("answers other than admitted or refused (5xx, timeouts) count on neither side", () => {
    const { judge, takenBack } = judged();
    thirtyPercent(judge, 0, 32, 0);
    judge.lowered(1, 32, 0);
    for (let i = 32; i < 100; i++) judge.onAnswer(i, "other", 100);
    expect(judge.mayLower()).toBe(false);
    expect(takenBack).toEqual([]);
  });

  it(`the sample before stretches back for refusals over ${TEST_WINDOW_MS / 1000} s at most`, () => {
    const { judge, takenBack } = judged();
    // 5% refused: 8 refusals take 160 answers, but only the latest 32 came within the window.
    for (let i = 0; i < 160; i++) judge.onAnswer(i, i % 20 === 0 ? "refused" : "admitted", i < 128 ? 0 : 10_000);
    judge.lowered(1, 160, 10_000);
    // Its 32 answers before held 2 refusals: too few to judge, so no hold.
    expect(judge.mayLower()).toBe(true);
    expect(takenBack).toEqual([]);
  });
});

describe("attempt outcomes", () => {
  it("OutcomeLog counts the admitted and refused of a range, not the pending or other, and forgets old indices", () => {
    const log = new OutcomeLog();
    const outcomes: AttemptOutcome[] = ["admitted", "refused", "other", "admitted"];
    outcomes.forEach((o, i) => log.record(i, o));
    expect(log.sample(0, 6)).toEqual({ admitted: 2, refused: 1 }); // 4 and 5 pending
    log.record(OUTCOME_LOG_SIZE + 1, "refused"); // takes index 1's slot
    expect(log.sample(0, 4)).toEqual({ admitted: 2, refused: 0 });
    expect(log.sample(OUTCOME_LOG_SIZE, OUTCOME_LOG_SIZE + 2)).toEqual({ admitted: 0, refused: 1 });
  });

  it("RecentOutcomes: the latest answers, stretched back for refusals only as far as `since`", () => {
    const r = new RecentOutcomes(8);
    const add = (o: AttemptOutcome, at: number) => r.push(o, at);
    add("refused", 0);
    add("refused", 0);
    for (let i = 0; i < 4; i++) add("admitted", 100);
    add("other", 100); // not kept
    expect(r.latest(2)).toEqual({ admitted: 2, refused: 0 });
    expect(r.latest(2, 1)).toEqual({ admitted: 4, refused: 1 });
    expect(r.latest(2, 1, 50)).toEqual({ admitted: 4, refused: 0 });
    expect(r.within(8, 50)).toEqual({ admitted: 4, refused: 0 });
    for (let i = 0; i < 4; i++) add("refused", 200); // the ring of 8 drops the oldest
    expect(r.latest(8)).toEqual({ admitted: 4, refused: 4 });
  });
});
