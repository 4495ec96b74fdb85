import { describe, expect, it } from "vitest";
import { parseBudgetSplit } from "../../src/optimize/budget-split-flag.js";
import { sequenceProblems } from "../../src/optimize/sequence.js";
import { formatProblem, UserError } from "../../src/util/errors.js";

const FORM = "expected each optimizer's share of the budget, name=share separated by commas: bootstrap=20%,gepa=80%";
const PERCENT = "expected a percentage: 20% (or 20), more than 0 and at most 100";

/** The one line parseBudgetSplit refuses `text` with (fails when it accepts it). */
function refusal(text: string): string {
  try {
    parseBudgetSplit(text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const { problems } = err as UserError;
    expect(problems).toHaveLength(1);
    return formatProblem(problems[0]!);
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe("--budget-split", () => {
  it("reads each optimizer's share in percent, as optimize.budget_split reads them: 20% or 20, fractions too", () => {
    expect(parseBudgetSplit("bootstrap=20%,gepa=80%")).toEqual({ bootstrap: 20, gepa: 80 });
    expect(parseBudgetSplit(" bootstrap = 20 , gepa=80 % ")).toEqual({ bootstrap: 20, gepa: 80 });
    expect(parseBudgetSplit("labeled:12.5%,random_search:50,mipro=37.5")).toEqual({ labeled: 12.5, random_search: 50, mipro: 37.5 });
    expect(parseBudgetSplit("gepa=100%")).toEqual({ gepa: 100 });
  });

  it("refuses what is not name=share pairs, naming the flag and the form it takes", () => {
    expect(refusal("")).toBe(`--budget-split: ${FORM}`);
    expect(refusal(" , ")).toBe(`--budget-split: ${FORM}`);
    expect(refusal("bootstrap20%,gepa=80%")).toBe(`--budget-split: \`bootstrap20%\` is not name=share; ${FORM}`);
    expect(refusal("bootstrap=20%,,gepa=80%")).toBe(`--budget-split: an empty share (two commas in a row, or one at an end); ${FORM}`);
    expect(refusal("=20%,gepa=80%")).toBe(`--budget-split: a share with no optimizer name; ${FORM}`);
  });

  it("refuses a name that is no optimizer, with the names it takes and a did-you-mean", () => {
    expect(refusal("bootstrap=20%,gepx=80%")).toBe(
      `--budget-split: \`gepx\` is not an optimizer (expected one of: labeled, bootstrap, random_search, beam, gepa, mipro) (did you mean \`gepa\`?); ${FORM}`,
    );
    expect(refusal("teacher=20%,gepa=80%")).toBe(`--budget-split: \`teacher\` is not an optimizer (expected one of: labeled, bootstrap, random_search, beam, gepa, mipro); ${FORM}`);
  });

  it("refuses an optimizer given twice", () => {
    expect(refusal("gepa=20%,gepa=80%")).toBe(`--budget-split: \`gepa\` is given twice; ${FORM}`);
  });

  it("refuses a share that is no percentage from more than 0 to 100, saying what it got", () => {
    for (const [value, got] of [
      ["0", '"0"'],
      ["0%", '"0%"'],
      ["120%", '"120%"'],
      ["100.5", '"100.5"'],
      ["-5%", '"-5%"'],
      ["half", '"half"'],
      ["20%%", '"20%%"'],
      ["", "nothing"],
    ]) {
      expect(refusal(`bootstrap=${value},gepa=80%`)).toBe(`--budget-split: \`bootstrap\`: ${PERCENT}, got ${got}; ${FORM}`);
    }
  });

  it("names every problem at once, in one line", () => {
    expect(refusal("bootstrap=0,gepx=80%,x")).toBe(
      `--budget-split: \`bootstrap\`: ${PERCENT}, got "0"; \`gepx\` is not an optimizer (expected one of: labeled, bootstrap, random_search, beam, gepa, mipro) (did you mean \`gepa\`?); \`x\` is not name=share; ${FORM}`,
    );
  });
});

describe("a --budget-split against the run's sequence", () => {
  const check = (names: Parameters<typeof sequenceProblems>[0], split: Parameters<typeof sequenceProblems>[1]) => sequenceProblems(names, split, new Map(), "--budget-split").map(formatProblem);

  it("fits when it gives each optimizer of the sequence a share and they add up to 100%", () => {
    expect(check(["bootstrap", "gepa"], { bootstrap: 20, gepa: 80 })).toEqual([]);
  });

  it("names the flag for a stage not in the sequence, a stage with no share, and shares not adding up to 100%", () => {
    expect(check(["bootstrap", "gepa"], { bootstrap: 30, labeled: 70 })).toEqual([
      "--budget-split: `labeled` is not in the sequence (bootstrap, gepa)",
      "--budget-split: gives no share to `gepa`; it gives one to each optimizer of the sequence (bootstrap, gepa)",
    ]);
    expect(check(["bootstrap", "gepa"], { bootstrap: 30, gepa: 60 })).toEqual(["--budget-split: the shares add up to 90%, not 100%"]);
  });

  it("refuses a split for a run of one optimizer: there is nothing to split", () => {
    expect(check(["gepa"], { gepa: 100 })).toEqual(["--budget-split: splits the budget of a sequence (--optimizer bootstrap,gepa), and this run has one optimizer (gepa)"]);
  });
});
