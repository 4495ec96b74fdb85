import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const TRIAGE = "programs/support-triage.yaml";

describe("dspx eval", () => {
  it("prints the score with a confidence interval, errors, tokens, time and the worst examples", async () => {
    const r = await runCli(["eval", TRIAGE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/score\s+0\.\d{3}\s+95% CI \[0\.\d{3}, 0\.\d{3}\]\s+\d+ examples, \d+ errors/);
    expect(r.stdout).toMatch(/tokens [\d,]+ prompt · [\d,]+ completion · \d+ calls · cost \$0\.00/);
    expect(r.stdout).toContain("lowest-scoring examples");
    expect(r.stderr).toContain("evaluating support-triage on dev");
  });

  it("prints one JSON object and nothing else on stdout with --json", async () => {
    const r = await runCli(["eval", TRIAGE, "--json", "--limit", "12"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.program).toBe("support-triage");
    expect(report.dataset).toBe("dev");
    expect(report.model).toBe("sim");
    expect(report.summary.total).toBe(12);
    expect(report.summary.done).toBe(12);
    expect(report.results).toHaveLength(12);
    const mean = report.results.reduce((a: number, x: { score: number }) => a + x.score, 0) / 12;
    expect(report.summary.mean).toBeCloseTo(mean, 10);
    expect(report.summary.ci95[0]).toBeLessThanOrEqual(report.summary.mean);
    expect(report.summary.ci95[1]).toBeGreaterThanOrEqual(report.summary.mean);
    for (const x of report.results) {
      expect(x.outputs).toHaveProperty("team");
      expect(x.usage.promptTokens).toBeGreaterThan(0);
    }
  });

  it("gives the same scores at concurrency 1 and 16 (results are ordered by example)", async () => {
    const one = JSON.parse((await runCli(["eval", TRIAGE, "--json", "--concurrency", "1"])).stdout);
    const many = JSON.parse((await runCli(["eval", TRIAGE, "--json", "--concurrency", "16"])).stdout);
    expect(many.results.map((x: { id: string; score: number }) => [x.id, x.score])).toEqual(
      one.results.map((x: { id: string; score: number }) => [x.id, x.score]),
    );
    expect(one.summary.mean).toBeGreaterThan(0);
    expect(one.summary.mean).toBeLessThan(1);
  });

  it("evaluates a named split or an explicit dataset", async () => {
    const test = JSON.parse((await runCli(["eval", TRIAGE, "--split", "test", "--json"])).stdout);
    expect(test.dataset).toBe("test");
    const file = JSON.parse((await runCli(["eval", TRIAGE, "--dataset", "datasets/support-triage/train.jsonl", "--limit", "5", "--json"])).stdout);
    expect(file.dataset).toBe("datasets/support-triage/train.jsonl");
    expect(file.results).toHaveLength(5);
  });

  it("reports every bad dataset row with file:line, exit 2", async () => {
    const r = await runCli(["eval", TRIAGE, "--dataset", "test/cli/fixtures/bad-row.jsonl", "--json"]);
    expect(r.code).toBe(2);
    // --json: stdout has only the error object, each problem with its line.
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({ kind: "usage", exitCode: 2 });
    expect(error.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: expect.stringMatching(/bad-row\.jsonl$/), line: 3, message: expect.stringMatching(/^missing program input `message`/) })]));
    expect(r.stderr).toContain("test/cli/fixtures/bad-row.jsonl:3:1: missing program input `message`");
    expect(r.stderr).toMatch(/test\/cli\/fixtures\/bad-row\.jsonl:4:\d+: not valid JSON/);
  });

  it("reports examples lacking the gold field the metric needs", async () => {
    const r = await runCli(["eval", TRIAGE, "--dataset", "test/cli/fixtures/missing-label.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("test/cli/fixtures/missing-label.jsonl:2:1: missing `team`, which the metric compares against");
  });

  it("refuses --dataset together with --split", async () => {
    const r = await runCli(["eval", TRIAGE, "--split", "dev", "--dataset", "x.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--split: give either --dataset or --split");
  });
});
