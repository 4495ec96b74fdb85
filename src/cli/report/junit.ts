/**
 * An evaluation as JUnit XML, for CI systems that show test reports (GitHub, GitLab, Jenkins, CircleCI).
 * Every example is a test case: an example that errored is an `<error>`, one that scored below the pass
 * score is a `<failure>`, the rest pass.
 */

import type { EvalSummary, ExampleResult } from "../../evaluate/types.js";
import type { Example } from "../../program/example.js";
import { formatScore } from "../output.js";
import { flatten, formatScorePair, inputValue, safeJson, truncate, xmlAttr, xmlText } from "./text.js";

export interface JunitInput {
  program: string;
  dataset: string;
  runId?: string;
  /** The model the program ran with (`provider:model`), recorded as a property. */
  model?: string;
  summary: EvalSummary;
  /** One test case each, in this order. */
  results: readonly ExampleResult[];
  /** Examples by id, for showing a failing example's inputs. */
  examples: ReadonlyMap<string, Example>;
  /** An example passes when it did not error and scored at least this. */
  passScore: number;
  timestamp: Date;
}

/** Longest attribute message; the full text is in the element's body. */
const MAX_MESSAGE = 500;
/** Longest one-line view of an example's inputs or outputs in a failure body. */
const MAX_VIEW = 2000;

export type JunitOutcome = "pass" | "failure" | "error";

/** How one result counts in JUnit terms. A non-finite score counts as a failure. */
export function junitOutcome(result: ExampleResult, passScore: number): JunitOutcome {
  if (result.error) return "error";
  return result.score >= passScore ? "pass" : "failure";
}

export function junitXml(input: JunitInput): string {
  const { program, dataset, summary, results, examples, passScore } = input;
  let failures = 0;
  let errors = 0;
  for (const r of results) {
    const outcome = junitOutcome(r, passScore);
    if (outcome === "failure") failures++;
    else if (outcome === "error") errors++;
  }
  const time = seconds(summary.wallMs);
  const suiteName = `${program} (${dataset})`;
  const classname = `${program}.${dataset}`;

  const properties: [string, string][] = [
    ["mean_score", numberText(summary.mean)],
    ["ci95_low", numberText(summary.ci95[0])],
    ["ci95_high", numberText(summary.ci95[1])],
    ["ci95", `[${formatScore(summary.ci95[0])}, ${formatScore(summary.ci95[1])}]`],
    ["pass_score", numberText(passScore)],
    ...(input.runId !== undefined ? ([["run_id", input.runId]] as [string, string][]) : []),
    ...(input.model !== undefined ? ([["model", input.model]] as [string, string][]) : []),
    ["cost_usd", summary.costUsd === null ? "unknown" : numberText(summary.costUsd)],
    ["examples_total", String(summary.total)],
    ["examples_done", String(summary.done)],
    ["errors", String(summary.errors)],
    ["prompt_tokens", String(summary.usage.promptTokens)],
    ["completion_tokens", String(summary.usage.completionTokens)],
    ["calls", String(summary.calls)],
    ["cached_calls", String(summary.cachedCalls)],
    ["memoized", String(summary.memoized ?? 0)],
    ...(summary.stopped ? ([["stopped", summary.stopped]] as [string, string][]) : []),
  ];

  const lines: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="dspx eval" tests="${results.length}" failures="${failures}" errors="${errors}" time="${time}">`,
    `  <testsuite name="${xmlAttr(suiteName)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time}" timestamp="${xmlAttr(junitTimestamp(input.timestamp))}">`,
    `    <properties>`,
    ...properties.map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`),
    `    </properties>`,
  ];

  for (const r of results) {
    const open = `    <testcase classname="${xmlAttr(classname)}" name="${xmlAttr(r.exampleId)}" time="${seconds(r.latencyMs)}"`;
    const outputs = r.outputs !== undefined ? safeJson(r.outputs, 2) : undefined;
    const systemOut = outputs !== undefined ? `      <system-out>${xmlText(outputs)}</system-out>` : undefined;
    const outcome = junitOutcome(r, passScore);
    if (outcome === "pass") {
      if (systemOut === undefined) lines.push(`${open}/>`);
      else lines.push(`${open}>`, systemOut, `    </testcase>`);
      continue;
    }
    lines.push(`${open}>`);
    if (outcome === "error") {
      const e = r.error!;
      const body = [
        e.message,
        ...(e.step !== undefined ? [`step: ${e.step}`] : []),
        ...(e.raw !== undefined ? ["raw completion:", e.raw] : []),
      ].join("\n");
      lines.push(
        `      <error message="${xmlAttr(truncate(flatten(e.message), MAX_MESSAGE))}" type="${xmlAttr(e.kind)}">${xmlText(body)}</error>`,
      );
    } else {
      const [score, pass] = formatScorePair(r.score, passScore);
      const ex = examples.get(r.exampleId);
      const body = [
        ...(r.feedback !== undefined && r.feedback !== "" ? [r.feedback] : []),
        ...(ex ? [`input: ${truncate(flatten(inputValue(ex)), MAX_VIEW)}`] : []),
        ...(r.outputs !== undefined ? [`output: ${truncate(flatten(r.outputs), MAX_VIEW)}`] : []),
      ].join("\n");
      lines.push(`      <failure message="${xmlAttr(`score ${score} < ${pass}`)}" type="score">${xmlText(body)}</failure>`);
    }
    if (systemOut !== undefined) lines.push(systemOut);
    lines.push(`    </testcase>`);
  }

  lines.push(`  </testsuite>`, `</testsuites>`, "");
  return lines.join("\n");
}

/** Milliseconds as JUnit seconds ("1.234"). */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : "0.000";
}

function numberText(x: number): string {
  return Number.isFinite(x) ? String(x) : "NaN";
}

/** The JUnit schema's timestamp: ISO 8601 without milliseconds or zone (the time is UTC). */
function junitTimestamp(date: Date): string {
  return Number.isNaN(date.getTime()) ? "1970-01-01T00:00:00" : date.toISOString().slice(0, 19);
}
