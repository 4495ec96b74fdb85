import type { EvalSummary, ResultDigest } from "../../evaluate/types.js";
import type { Example } from "../../program/example.js";
import type { Output } from "../output.js";
import { formatDuration, formatInt, formatScore, formatUsd, plural } from "../output.js";
import { inputValue, worstResults } from "../report/text.js";
import { worstTable } from "./worst.js";

/** The headline of an evaluation: score with its interval, errors, tokens, cost, time. */
export function renderSummary(summary: EvalSummary, output: Output, maxUsd?: number): string {
  const c = output.color;
  const [lo, hi] = summary.ci95;
  const lines = [
    `${c.bold("score")}  ${c.bold(formatScore(summary.mean))}  ${c.dim(`95% CI [${formatScore(lo)}, ${formatScore(hi)}]`)}  ${plural(summary.done, "example")}, ${
      summary.errors > 0 ? c.red(plural(summary.errors, "error")) : "0 errors"
    }`,
    `${c.bold("tokens")} ${formatInt(summary.usage.promptTokens)} prompt · ${formatInt(summary.usage.completionTokens)} completion · ${summary.calls} calls${
      summary.cachedCalls > 0 ? ` (${summary.cachedCalls} cached)` : ""
    }${summary.toolCalls !== undefined ? ` · ${toolCallsPhrase(summary)}` : ""}${summary.memoized > 0 ? ` · ${summary.memoized} results reused` : ""} · cost ${formatUsd(summary.costUsd)}`,
    `${c.bold("time")}   ${formatDuration(summary.wallMs)} · ${summary.wallMs > 0 ? ((summary.done / summary.wallMs) * 1000).toFixed(1) : "–"} examples/s`,
  ];
  if (summary.stopped) {
    const why = summary.stopped === "budget" ? `the cost cap${maxUsd !== undefined ? ` of ${formatUsd(maxUsd)}` : ""} was reached` : summary.stopped === "interrupted" ? "interrupted" : "the provider failed";
    lines.push(c.yellow(`stopped early (${why}): ${summary.done} of ${summary.total} examples evaluated`));
  }
  return lines.join("\n");
}

/** `12 tool calls (3 replayed)`: what the agent steps called; undefined for a program without tools. */
export function toolCallsPhrase(counts: { toolCalls?: number; replayedToolCalls?: number }): string | undefined {
  if (counts.toolCalls === undefined) return undefined;
  const replayed = counts.replayedToolCalls ?? 0;
  return `${plural(counts.toolCalls, "tool call")}${replayed > 0 ? ` (${formatInt(replayed)} replayed)` : ""}`;
}

/**
 * The lowest-scoring examples (errors first), with their input and what went wrong. `lowest` holds
 * at least `count` of them when there are (an evaluation's `lowest`); `done` is how many examples
 * were scored, so that none scored is not mistaken for all of them scoring 1.
 */
export function renderWorst(lowest: readonly ResultDigest[], done: number, examples: ReadonlyMap<string, Example>, output: Output, count = 5): string {
  if (done === 0) return output.color.yellow("no examples were evaluated");
  const worst = worstResults(lowest, count);
  if (worst.length === 0) return output.color.green("every example scored 1");
  const rows = worst.map((r) => ({
    id: r.exampleId,
    score: r.score,
    input: inputValue(examples.get(r.exampleId)),
    ...(r.error ? { error: r.error.message } : {}),
    ...(r.feedback !== undefined ? { feedback: r.feedback } : {}),
  }));
  return `${output.color.bold("lowest-scoring examples")}\n${output.table(worstTable(rows, output.color))}`;
}

/** One example result as JSON (no trace: it is in the store and in --verbose runs). */
export function resultJson(r: ResultDigest) {
  return {
    id: r.exampleId,
    score: r.score,
    ...(r.feedback !== undefined ? { feedback: r.feedback } : {}),
    ...(r.outputs ? { outputs: r.outputs } : {}),
    ...(r.error ? { error: r.error } : {}),
    usage: r.usage,
    costUsd: r.costUsd,
    calls: r.calls,
    cachedCalls: r.cachedCalls,
    ...(r.toolCalls !== undefined ? { toolCalls: r.toolCalls, replayedToolCalls: r.replayedToolCalls ?? 0 } : {}),
    latencyMs: Math.round(r.latencyMs),
  };
}
