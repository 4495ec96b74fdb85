import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { duration, score } from "../../src/cli/flags.js";
import { formatDuration } from "../../src/cli/output.js";
import { runCli } from "../support/cli.js";

const TRIAGE = "programs/support-triage.yaml";

/** The message a flag parser refuses `value` with. */
function refusal(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err.message;
    throw err;
  }
  throw new Error(`${value} was accepted`);
}

describe("score flags (--threshold, --pass-score)", () => {
  it("take a score from 0 to 1, ends included", () => {
    expect(["0", "0.8", "1", "1.0", ".5"].map(score)).toEqual([0, 0.8, 1, 1, 0.5]);
  });

  it("refuse a score no example can have, saying the range (and the fraction of what looks like a percentage)", () => {
    expect(refusal(score, "80")).toBe("expected a score from 0 to 1, such as 0.8; scores are never above 1 (for 80%, give 0.8)");
    expect(refusal(score, "-0.1")).toBe("expected a score from 0 to 1, such as 0.8; scores are never below 0");
    expect(refusal(score, "1000")).toBe("expected a score from 0 to 1, such as 0.8; scores are never above 1");
    expect(refusal(score, "high")).toBe("expected a score from 0 to 1, such as 0.8");
  });
});

describe("duration flags (--budget-time, --timeout)", () => {
  it("read what dspx prints, compound forms included", () => {
    expect(["1h30m", "5m03s", "12.5s", "500ms", "2d", "1d12h", "90s", "1.5h", "2 min"].map(duration)).toEqual([
      5_400_000, 303_000, 12_500, 500, 172_800_000, 129_600_000, 90_000, 5_400_000, 120_000,
    ]);
    for (const ms of [450, 12_300, 303_000, 5_400_000, 7_260_000]) {
      expect(Math.abs(duration(formatDuration(ms)) - ms)).toBeLessThan(1000);
    }
  });

  it("refuse a bare number with 'give a unit', and what is no duration", () => {
    expect(refusal(duration, "90")).toBe("give a unit: 90s, 90m or 90h (durations read like 30s, 5m, 1h30m or 2d)");
    expect(refusal(duration, "30m1h")).toBe("expected a duration such as 30s, 5m, 1h30m or 2d");
    expect(refusal(duration, "1m1m")).toBe("expected a duration such as 30s, 5m, 1h30m or 2d");
    expect(refusal(duration, "0s")).toBe("expected a duration such as 30s, 5m, 1h30m or 2d");
    expect(refusal(duration, "soon")).toBe("expected a duration such as 30s, 5m, 1h30m or 2d");
  });

  it("on the command line: refused with exit 2 naming the flag, accepted as printed", async () => {
    const threshold = await runCli(["eval", TRIAGE, "--threshold", "80"]);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain("--threshold");
    expect(threshold.stderr).toContain("(for 80%, give 0.8)");
    const pass = await runCli(["eval", TRIAGE, "--pass-score", "2"]);
    expect(pass.code).toBe(2);
    expect(pass.stderr).toContain("--pass-score");
    const bare = await runCli(["optimize", TRIAGE, "--budget-time", "90"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("give a unit");
    // 1h30m parses: what stops this run is the call budget, checked after the flags.
    const printed = await runCli(["optimize", TRIAGE, "--budget-time", "1h30m", "--budget-calls", "1"]);
    expect(printed.stderr).toContain("--budget-calls: 1 LM calls cannot buy");
    expect(printed.code).toBe(2);
  });
});

describe("--budget-split", () => {
  it("on the command line: a bad split exits 2 in one line naming the flag; a good one is the split the run plans with", async () => {
    const bad = await runCli(["optimize", TRIAGE, "--optimizer", "bootstrap,gepa", "--budget-split", "bootstrap=20%,gepx=80%"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toEqual([
      "error: --budget-split: `gepx` is not an optimizer (expected one of: labeled, bootstrap, random_search, beam, gepa, mipro) (did you mean `gepa`?); expected each optimizer's share of the budget, name=share separated by commas: bootstrap=20%,gepa=80%",
    ]);
    // 1,000 calls buy a step of this sequence by plan; with bootstrap's 1% they cannot.
    const tiny = await runCli(["optimize", TRIAGE, "--optimizer", "bootstrap,gepa", "--budget-split", "bootstrap=1%,gepa=99%", "--budget-calls", "1000"]);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toContain("error: --budget-calls: 1000 LM calls cannot buy a single bootstrap,gepa step here");
  });
});
