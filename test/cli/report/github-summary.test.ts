import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendGithubSummary, githubSummaryMarkdown, mdCell } from "../../../src/cli/report/github-summary.js";
import type { Example } from "../../../src/program/example.js";
import { example, mixed, result, summaryOf } from "./fixtures.js";

/** Cells of a Markdown table row, split on unescaped pipes. */
function cells(row: string): string[] {
  expect(row.startsWith("| ") && row.endsWith(" |")).toBe(true);
  return row.slice(2, -2).split(/(?<!\\) \| /);
}

function unescapedPipes(row: string): number {
  return (row.match(/(?<!\\)\|/g) ?? []).length;
}

describe("githubSummaryMarkdown", () => {
  it("says how far below the threshold a failing score is", () => {
    const { results, examples } = mixed();
    const md = githubSummaryMarkdown({ program: "triage", dataset: "dev", summary: summaryOf(results, { mean: 0.712 }), lowest: results, examples, threshold: 0.8 });
    expect(md.split("\n")[0]).toBe("## ❌ dspx eval: triage");
    expect(md).toContain("❌ **Failed**: score 0.712 is below the threshold 0.800 by 0.088");
  });

  it("says a passing score meets the threshold", () => {
    const { results, examples } = mixed();
    const md = githubSummaryMarkdown({
      program: "triage",
      dataset: "dev",
      runId: "run-7",
      model: "openai:gpt-4o-mini",
      summary: summaryOf(results, { mean: 0.85 }),
      lowest: results,
      examples,
      threshold: 0.8,
    });
    expect(md.split("\n")[0]).toBe("## ✅ dspx eval: triage");
    expect(md).toContain("✅ **Passed**: score 0.850 meets the threshold 0.800 by 0.050");
    expect(md).toContain("dataset **dev** · model **openai:gpt-4o-mini** · run **run-7**");
  });

  it("follows the caller's verdict, and says why a run that met the threshold failed", () => {
    const { results, examples } = mixed();
    const summary = summaryOf(results, { mean: 0.9, total: 10, stopped: "budget" });
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary, lowest: results, examples, threshold: 0.8, passed: false });
    expect(md.split("\n")[0]).toBe("## ❌ dspx eval: p");
    expect(md).toContain("score 0.900 meets the threshold 0.800, but the evaluation stopped early");
    expect(md).toContain("> Stopped early (the cost cap was reached): 4 of 10 examples evaluated.");
    expect(md).toContain("| examples | 4 of 10 |");
    const reused = githubSummaryMarkdown({ program: "p", dataset: "d", summary: { ...summary, memoized: 3 }, lowest: results, examples });
    expect(reused).toContain("| examples | 4 of 10 (3 reused from earlier evaluations) |");
  });

  it("prints a score just under the threshold with enough digits to tell them apart", () => {
    const { results, examples } = mixed();
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary: summaryOf(results, { mean: 0.7999 }), lowest: results, examples, threshold: 0.8 });
    expect(md).toContain("score 0.7999 is below the threshold 0.8000 by 0.0001");
  });

  it("has no verdict without a threshold", () => {
    const { results, examples, summary } = mixed();
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary, lowest: results, examples });
    expect(md.split("\n")[0]).toBe("## dspx eval: p");
    expect(md).not.toMatch(/✅|❌|Passed|Failed/);
  });

  it("has a table of score with CI, examples, errors, tokens, cost and time", () => {
    const { results, examples, summary } = mixed();
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary, lowest: results, examples });
    expect(md).toContain("| score | **0.375** (95% CI 0.275 – 0.475) |");
    expect(md).toContain("| examples | 4 |");
    expect(md).toContain("| errors | 2 |");
    expect(md).toContain("| tokens | 400 prompt · 80 completion · 4 calls |");
    expect(md).toContain("| cost | \\$0.0048 |");
    expect(md).toContain("| time | 1m05s (0.1 examples/s) |");
  });

  it("lists the lowest-scoring examples, errors first, with input and feedback or error", () => {
    const { results, examples, summary } = mixed();
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary, lowest: results, examples });
    const lines = md.split("\n");
    const head = lines.indexOf("| example | score | input | feedback |");
    expect(head).toBeGreaterThan(0);
    const rows = lines.slice(head + 2).filter((l) => l.startsWith("|"));
    expect(rows.map((r) => cells(r)[0])).toEqual(["ex-step", "ex-metric", "ex-low"]);
    expect(cells(rows[0]!)).toEqual(["ex-step", "0.000", '\\{"ticket":"???","priority":"high"\\}', "**error** (step classify): could not read the output: missing field team"]);
    expect(cells(rows[2]!)).toEqual(["ex-low", "0.500", "my password leaked", "expected team=security; got billing"]);
  });

  it("shows at most 10 examples, lowest first", () => {
    const results = Array.from({ length: 15 }, (_, i) => result(`ex${i}`, i, { score: (15 - i) / 20 }));
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary: summaryOf(results), lowest: results, examples: new Map() });
    const rows = md.split("\n").filter((l) => /^\| ex\d+ \|/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows.map((r) => cells(r)[0])).toEqual(["ex14", "ex13", "ex12", "ex11", "ex10", "ex9", "ex8", "ex7", "ex6", "ex5"]);
  });

  it("says so when every example scored 1", () => {
    const results = [result("a", 0), result("b", 1)];
    const md = githubSummaryMarkdown({ program: "p", dataset: "d", summary: summaryOf(results), lowest: results, examples: new Map() });
    expect(md).toContain("Every example scored 1.");
    expect(md).not.toContain("Lowest-scoring");
  });

  it("escapes pipes, newlines and markup in cells and truncates long ones", () => {
    const nasty = "a | b\nc\r\nd <script>alert(1)</script> *bold* `code` $x$ [link](http://e) \u0001 " + "z".repeat(300);
    const results = [result("id|1", 0, { score: 0.1, feedback: nasty }), result("id2", 1, { score: 0, error: { kind: "metric", message: nasty } })];
    const examples = new Map<string, Example>([["id|1", example("id|1", { q: nasty })]]);
    const md = githubSummaryMarkdown({ program: "p|*x*", dataset: "d", summary: summaryOf(results), lowest: results, examples });
    expect(md.split("\n")[0]).toBe("## dspx eval: p\\|\\*x\\*");
    const lines = md.split("\n");
    const rows = lines.slice(lines.indexOf("| example | score | input | feedback |") + 2).filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(unescapedPipes(row)).toBe(5);
      expect(row).not.toMatch(/[\r\n\u0001]/);
      // The only markup left is our own bold "error" label.
      expect(row.replace("| **error** (", "| (")).not.toMatch(/(?<!\\)[<>*`$[\]]/);
      expect(row.length).toBeLessThan(700);
    }
    const [id, score, input, note] = cells(rows[1]!);
    expect([id, score]).toEqual(["id\\|1", "0.100"]);
    expect(input!.startsWith("a \\| b c d \\<script\\>alert\\(1\\)\\</script\\> \\*bold\\* \\`code\\` \\$x\\$ \\[link\\]\\(http://e\\) zzz")).toBe(true);
    expect(input!.endsWith("…")).toBe(true);
    expect(note!.startsWith("a \\| b; c; d")).toBe(true);
    expect(note!.endsWith("…")).toBe(true);
    expect(cells(rows[0]!)[3]!.startsWith("**error** (metric): a \\| b c d")).toBe(true);
  });

  it("never cuts an emoji in half when truncating", () => {
    expect(mdCell("x".repeat(8) + "🎉🎉", 10)).toBe("xxxxxxxx…");
    expect(mdCell("x".repeat(7) + "🎉🎉", 10)).toBe("xxxxxxx🎉…");
  });
});

describe("appendGithubSummary", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dspx-summary-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends to $GITHUB_STEP_SUMMARY in GitHub Actions", async () => {
    const file = join(dir, "summary.md");
    await writeFile(file, "# earlier step\n");
    const env = { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: file };
    expect(await appendGithubSummary("## one", env)).toBe(true);
    expect(await appendGithubSummary("## two\n", env)).toBe(true);
    expect(await readFile(file, "utf8")).toBe("# earlier step\n## one\n## two\n");
  });

  it("does not write outside GitHub Actions or without the variable", async () => {
    const file = join(dir, "summary.md");
    expect(await appendGithubSummary("x", { GITHUB_STEP_SUMMARY: file })).toBe(false);
    expect(await appendGithubSummary("x", { GITHUB_ACTIONS: "false", GITHUB_STEP_SUMMARY: file })).toBe(false);
    expect(await appendGithubSummary("x", { GITHUB_ACTIONS: "true" })).toBe(false);
    expect(await appendGithubSummary("x", { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: "" })).toBe(false);
    await expect(readFile(file, "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("throws an error naming the file when it cannot write", async () => {
    await expect(appendGithubSummary("x", { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: dir })).rejects.toThrow(dir);
  });
});
