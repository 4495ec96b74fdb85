/**
 * An evaluation as JUnit XML, for CI systems that show test reports (GitHub, GitLab, Jenkins, CircleCI).
 * Every example is a test case: an example that errored is an `<error>`, one that scored below the pass
 * score is a `<failure>`, the rest pass.
 */

import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { createReadStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { EvalSummary, ResultDigest } from "../../evaluate/types.js";
import type { Example } from "../../program/example.js";
import { UserError } from "../../util/errors.js";
import { formatScore } from "../output.js";
import { FileSink, reason } from "./file-sink.js";
import { flatten, formatScorePair, inputValue, safeJson, truncate, xmlAttr, xmlText } from "./text.js";

/** What the suite says about the whole evaluation (known once it has finished). */
export interface JunitSuite {
  program: string;
  dataset: string;
  runId?: string;
  /** The model the program ran with (`provider:model`), recorded as a property. */
  model?: string;
  summary: EvalSummary;
  /** An example passes when it did not error and scored at least this. */
  passScore: number;
  timestamp: Date;
}

export interface JunitInput extends JunitSuite {
  /** One test case each, in this order. */
  results: readonly ResultDigest[];
  /** Examples by id, for showing a failing example's inputs. */
  examples: ReadonlyMap<string, Example>;
}

/** Longest attribute message; the full text is in the element's body. */
const MAX_MESSAGE = 500;
/** Longest one-line view of an example's inputs or outputs in a failure body. */
const MAX_VIEW = 2000;

export type JunitOutcome = "pass" | "failure" | "error";

/** How one result counts in JUnit terms. A non-finite score counts as a failure. */
export function junitOutcome(result: Pick<ResultDigest, "error" | "score">, passScore: number): JunitOutcome {
  if (result.error) return "error";
  return result.score >= passScore ? "pass" : "failure";
}

/** Test cases by outcome, counted as they are written. */
interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
}

function count(counts: JunitCounts, outcome: JunitOutcome): void {
  counts.tests++;
  if (outcome === "failure") counts.failures++;
  else if (outcome === "error") counts.errors++;
}

export function junitXml(input: JunitInput): string {
  const counts: JunitCounts = { tests: 0, failures: 0, errors: 0 };
  const cases = input.results.map((r) => {
    count(counts, junitOutcome(r, input.passScore));
    return junitTestcase(r, input.examples.get(r.exampleId), input);
  });
  return junitHead(input, counts) + cases.join("") + JUNIT_TAIL;
}

/** The document up to the first test case: the suite's counts, time and properties. */
function junitHead(input: JunitSuite, counts: JunitCounts): string {
  const { program, dataset, summary, passScore } = input;
  const { tests, failures, errors } = counts;
  const time = seconds(summary.wallMs);
  const suiteName = `${program} (${dataset})`;

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
    `<testsuites name="dspx eval" tests="${tests}" failures="${failures}" errors="${errors}" time="${time}">`,
    `  <testsuite name="${xmlAttr(suiteName)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${time}" timestamp="${xmlAttr(junitTimestamp(input.timestamp))}">`,
    `    <properties>`,
    ...properties.map(([name, value]) => `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`),
    `    </properties>`,
  ];
  return `${lines.join("\n")}\n`;
}

const JUNIT_TAIL = `  </testsuite>\n</testsuites>\n`;

/** One example's `<testcase>` element (with its trailing newline). */
function junitTestcase(r: ResultDigest, example: Example | undefined, suite: Pick<JunitSuite, "program" | "dataset" | "passScore">): string {
  const classname = `${suite.program}.${suite.dataset}`;
  const lines: string[] = [];
  const open = `    <testcase classname="${xmlAttr(classname)}" name="${xmlAttr(r.exampleId)}" time="${seconds(r.latencyMs)}"`;
  const outputs = r.outputs !== undefined ? safeJson(r.outputs, 2) : undefined;
  const systemOut = outputs !== undefined ? `      <system-out>${xmlText(outputs)}</system-out>` : undefined;
  const outcome = junitOutcome(r, suite.passScore);
  if (outcome === "pass") {
    if (systemOut === undefined) lines.push(`${open}/>`);
    else lines.push(`${open}>`, systemOut, `    </testcase>`);
    return `${lines.join("\n")}\n`;
  }
  lines.push(`${open}>`);
  if (outcome === "error") {
    const e = r.error!;
    const body = [
      e.message,
      ...(e.step !== undefined ? [`step: ${e.step}`] : []),
      ...(e.raw !== undefined ? ["raw completion:", e.raw] : []),
    ].join("\n");
    lines.push(`      <error message="${xmlAttr(truncate(flatten(e.message), MAX_MESSAGE))}" type="${xmlAttr(e.kind)}">${xmlText(body)}</error>`);
  } else {
    const [score, pass] = formatScorePair(r.score, suite.passScore);
    const body = [
      ...(r.feedback !== undefined && r.feedback !== "" ? [r.feedback] : []),
      ...(example ? [`input: ${truncate(flatten(inputValue(example)), MAX_VIEW)}`] : []),
      ...(r.outputs !== undefined ? [`output: ${truncate(flatten(r.outputs), MAX_VIEW)}`] : []),
    ].join("\n");
    lines.push(`      <failure message="${xmlAttr(`score ${score} < ${pass}`)}" type="score">${xmlText(body)}</failure>`);
  }
  if (systemOut !== undefined) lines.push(systemOut);
  lines.push(`    </testcase>`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes a JUnit report as results finish, in bounded memory. The suite's counts and properties
 * come first in the file but are known only at the end, so test cases go to a scratch file (in the
 * system's temp directory) as they arrive, and `finish` writes the head, copies the cases after it
 * and closes the document. Test cases are in the order the examples finished; each names its example.
 * The report file itself is opened (and emptied) at once, so a bad path fails before any work.
 */
export class JunitWriter {
  private readonly counts: JunitCounts = { tests: 0, failures: 0, errors: 0 };
  private done = false;

  private constructor(
    readonly file: string,
    private readonly report: FileHandle,
    private readonly scratchDir: string,
    private readonly cases: FileSink,
    private readonly suite: Pick<JunitSuite, "program" | "dataset" | "passScore">,
  ) {}

  static async open(file: string, suite: Pick<JunitSuite, "program" | "dataset" | "passScore">): Promise<JunitWriter> {
    let report: FileHandle;
    try {
      // The folder must exist: a report path with a typo should not leave new folders behind.
      report = await open(file, "w");
    } catch (err) {
      throw new UserError({ flag: "--junit", message: `cannot write the JUnit report ${file}: ${reason(err)}` });
    }
    const scratchDir = await mkdtemp(path.join(os.tmpdir(), "dspx-junit-"));
    const cases = await FileSink.open(path.join(scratchDir, "testcases.xml"), "the JUnit report's scratch file");
    return new JunitWriter(file, report, scratchDir, cases, suite);
  }

  /** Adds one test case; returns a promise to await when the disk is behind. */
  write(result: ResultDigest, example: Example | undefined): Promise<void> | undefined {
    count(this.counts, junitOutcome(result, this.suite.passScore));
    return this.cases.write(junitTestcase(result, example, this.suite));
  }

  /** Writes the report: head (counts, properties), the test cases, the closing tags. */
  async finish(suite: Omit<JunitSuite, "program" | "dataset" | "passScore">): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.cases.close();
      await this.report.write(junitHead({ ...this.suite, ...suite }, this.counts));
      for await (const chunk of createReadStream(path.join(this.scratchDir, "testcases.xml"))) await this.report.write(chunk as Buffer);
      await this.report.write(JUNIT_TAIL);
      await this.report.close();
    } catch (err) {
      await this.report.close().catch(() => {});
      throw new Error(`could not write the JUnit report ${this.file}: ${reason(err)}`, { cause: err });
    } finally {
      await rm(this.scratchDir, { recursive: true, force: true });
    }
  }

  /** The evaluation failed: no report (not a half-written one), and the scratch file removed. */
  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.cases.close().catch(() => {});
    await this.report.close().catch(() => {});
    await rm(this.file, { force: true });
    await rm(this.scratchDir, { recursive: true, force: true });
  }
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
