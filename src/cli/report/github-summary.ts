/**
 * An evaluation as GitHub-flavoured Markdown, for a GitHub Actions job summary ($GITHUB_STEP_SUMMARY).
 */

import { appendFile } from "node:fs/promises";
import type { EvalSummary, ResultDigest } from "../../evaluate/types.js";
import type { Example } from "../../program/example.js";
import { formatDuration, formatInt, formatScore, formatUsd } from "../output.js";
import { toolCallsPhrase } from "../render/eval.js";
import { flatten, formatGap, formatScorePair, inputValue, truncate, wellFormed, worstResults } from "./text.js";

export interface GithubSummaryInput {
  program: string;
  dataset: string;
  runId?: string;
  summary: EvalSummary;
  /** The lowest-scoring results (an evaluation's `lowest`; any results will do, the lowest are picked). */
  lowest: readonly ResultDigest[];
  /** Examples by id, for the lowest ones' inputs. */
  examples: ReadonlyMap<string, Example>;
  /** The score the run had to reach; gives the heading a ✅/❌ verdict. */
  threshold?: number;
  /** The gate's decision when the caller made it (e.g. it also failed a stopped run); defaults to mean ≥ threshold. */
  passed?: boolean;
  model?: string;
  /** How many of the lowest-scoring examples to list (default 10). */
  worst?: number;
}

const MAX_ID = 40;
const MAX_INPUT = 100;
const MAX_NOTE = 160;

/** Inline Markdown text: every character that could start markup (or GitHub math) backslash-escaped. */
export function mdText(text: string): string {
  return wellFormed(text)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "")
    .replace(/[\\`*_{}[\]<>()#+!|~&$]/g, "\\$&");
}

/** A Markdown table cell: one line, at most `max` characters, markup and `|` escaped. */
export function mdCell(value: unknown, max: number): string {
  return mdText(truncate(flatten(value), max));
}

export function githubSummaryMarkdown(input: GithubSummaryInput): string {
  const { summary, threshold } = input;
  const passed = input.passed ?? (threshold !== undefined ? summary.mean >= threshold : undefined);
  const icon = passed === undefined ? "" : passed ? "✅ " : "❌ ";
  const out: string[] = [`## ${icon}dspx eval: ${mdText(input.program)}`, ""];

  const context = [
    `dataset **${mdText(input.dataset)}**`,
    ...(input.model !== undefined ? [`model **${mdText(input.model)}**`] : []),
    ...(input.runId !== undefined ? [`run **${mdText(input.runId)}**`] : []),
  ];
  out.push(context.join(" · "), "");

  const verdict = verdictLine(summary, threshold, passed);
  if (verdict) out.push(verdict, "");
  if (summary.stopped) {
    const why = summary.stopped === "budget" ? "the cost cap was reached" : summary.stopped === "interrupted" ? "interrupted" : "the provider failed";
    out.push(`> [!WARNING]`, `> Stopped early (${why}): ${summary.done} of ${summary.total} examples evaluated.`, "");
  }

  const [lo, hi] = summary.ci95;
  const rate = summary.wallMs > 0 ? ` (${((summary.done / summary.wallMs) * 1000).toFixed(1)} examples/s)` : "";
  out.push(
    "| | |",
    "| --- | --- |",
    `| score | **${formatScore(summary.mean)}** (95% CI ${formatScore(lo)} – ${formatScore(hi)}) |`,
    `| examples | ${summary.done === summary.total ? summary.done : `${summary.done} of ${summary.total}`}${
      summary.memoized > 0 ? ` (${summary.memoized} reused from earlier evaluations)` : ""
    } |`,
    `| errors | ${summary.errors} |`,
    `| tokens | ${formatInt(summary.usage.promptTokens)} prompt · ${formatInt(summary.usage.completionTokens)} completion · ${summary.calls} calls${
      summary.cachedCalls > 0 ? ` (${summary.cachedCalls} cached)` : ""
    }${summary.toolCalls !== undefined ? ` · ${toolCallsPhrase(summary)}` : ""} |`,
    `| cost | ${mdText(formatUsd(summary.costUsd))} |`,
    `| time | ${formatDuration(summary.wallMs)}${rate} |`,
    "",
  );

  const worst = worstResults(input.lowest, input.worst ?? 10);
  if (summary.done === 0) {
    out.push("No examples were evaluated.", "");
  } else if (worst.length === 0) {
    out.push("Every example scored 1.", "");
  } else {
    out.push(
      `### Lowest-scoring examples`,
      "",
      "| example | score | input | feedback |",
      "| --- | ---: | --- | --- |",
      ...worst.map((r) => {
        const note = r.error
          ? `**error** (${mdText(r.error.kind)}${r.error.step !== undefined ? ` ${mdText(r.error.step)}` : ""}): ${mdCell(r.error.message, MAX_NOTE)}`
          : mdCell((r.feedback ?? "").replace(/\s*\n\s*/g, "; "), MAX_NOTE);
        return `| ${mdCell(r.exampleId, MAX_ID)} | ${formatScore(r.score)} | ${mdCell(inputValue(input.examples.get(r.exampleId)) ?? "", MAX_INPUT)} | ${note} |`;
      }),
      "",
    );
  }
  return out.join("\n");
}

function verdictLine(summary: EvalSummary, threshold: number | undefined, passed: boolean | undefined): string | undefined {
  if (threshold === undefined) return passed === undefined ? undefined : passed ? "✅ **Passed**" : "❌ **Failed**";
  const [score, bar] = formatScorePair(summary.mean, threshold);
  const meets = summary.mean >= threshold;
  const gap = formatGap(summary.mean - threshold);
  if (passed) {
    return meets
      ? `✅ **Passed**: score ${score} meets the threshold ${bar}${summary.mean > threshold ? ` by ${gap}` : ""}`
      : `✅ **Passed**: score ${score} is below the threshold ${bar} by ${gap}`;
  }
  return meets
    ? `❌ **Failed**: score ${score} meets the threshold ${bar}${summary.stopped ? ", but the evaluation stopped early" : ", but the run did not pass"}`
    : `❌ **Failed**: score ${score} is below the threshold ${bar} by ${gap}`;
}

/**
 * Appends `markdown` to the job summary when running in GitHub Actions (`GITHUB_ACTIONS=true` and
 * `GITHUB_STEP_SUMMARY` set). Returns whether it wrote; a failed write throws an Error naming the file.
 */
export async function appendGithubSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (env.GITHUB_ACTIONS !== "true" || file === undefined || file === "") return false;
  const text = markdown.endsWith("\n") ? markdown : `${markdown}\n`;
  try {
    await appendFile(file, text, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`could not write the GitHub step summary ${file}: ${reason}`, { cause: err });
  }
  return true;
}
