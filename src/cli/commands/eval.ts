import path from "node:path";
import { evaluateProgramStreaming, DEFAULT_CONCURRENCY } from "../../evaluate/program.js";
import { beginEvalRun, type EvalRun } from "../../evaluate/eval-run.js";
import { datasetPath } from "../../runtime/data.js";
import { fingerprints } from "../../runtime/fingerprint.js";
import { storeMemo } from "../../evaluate/memo.js";
import type { SplitName } from "../../program/types.js";
import type { Example } from "../../program/example.js";
import { stateHash } from "../../program/state.js";
import { Budget } from "../../optimize/budget.js";
import { InterruptedError, isInterruption, UserError } from "../../util/errors.js";
import type { EvalOutcome } from "../../evaluate/types.js";
import type { ExampleList } from "../../evaluate/example-list.js";
import type { CommandContext } from "../context.js";
import { EXIT } from "../errors.js";
import type { LMFlags } from "../flags.js";
import { boundHeapGrowth } from "../heap-growth.js";
import { openProgram } from "../open.js";
import { openStore } from "../open-store.js";
import { formatInt, formatScore, formatUsd } from "../output.js";
import { createProgress, evalProgressText } from "../progress.js";
import { renderSummary, renderWorst, resultJson } from "../render/eval.js";
import { noticeWarnings, warningJson } from "../render/warnings.js";
import { appendGithubSummary, githubSummaryMarkdown } from "../report/github-summary.js";
import { JsonlWriter } from "../report/jsonl.js";
import { JunitWriter } from "../report/junit.js";
import { formatGap, formatScorePair } from "../report/text.js";
import type { Store } from "../../store/store.js";

export interface EvalFlags extends LMFlags {
  dataset?: string;
  split?: SplitName;
  concurrency?: number;
  limit?: number;
  json?: boolean;
  show?: number;
  maxUsd?: number;
  threshold?: number;
  record?: boolean;
  name?: string;
  junit?: string;
  output?: string;
  passScore?: number;
  memo?: boolean;
  report?: string;
  /** false: --no-traces. */
  traces?: boolean;
}

/**
 * How many examples `--json` details in `results` (the first ones, in dataset order). A large
 * evaluation's results are not all held in memory; the rest are counted in `resultsOmitted`, and
 * `--output <file.jsonl>` streams every one.
 */
export const JSON_RESULTS_LIMIT = 1000;

export async function evalCommand(file: string, flags: EvalFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.dataset && flags.split) {
    throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  }
  if (flags.report && flags.record === false) throw new UserError({ flag: "--report", message: "a report is of a recorded run: leave out --no-record" });
  // It writes when it records a run or caches LM calls; --no-record alone only reads earlier results.
  const store = openStore(flags, ctx, { write: flags.record !== false || flags.cache !== false });
  const program = await openProgram(file, flags, ctx, store);
  const model = program.pool.resolveModel(program.spec.lm);
  if (flags.maxUsd !== undefined && !program.costKnown()) {
    throw new UserError({
      flag: "--max-usd",
      message: `the price of ${model} is unknown, so a cost cap cannot be enforced; add \`lm.prices: { input, output }\` (USD per million tokens) to the program`,
    });
  }
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  const show = flags.show ?? 5;
  // The streamed files open before any work, so a bad path fails fast (exit 2).
  const jsonl = flags.output ? await JsonlWriter.open(path.resolve(flags.output), "--output") : undefined;
  if (jsonl) ctx.defer(() => jsonl.close());
  const junit = flags.junit
    ? await JunitWriter.open(path.resolve(flags.junit), { program: program.spec.name, dataset: datasetPath(program.spec, flags).label, passScore: flags.passScore ?? 1 })
    : undefined;
  // A no-op once the report is finished; otherwise (the evaluation failed) no half-written report stays.
  if (junit) ctx.defer(() => junit.discard());
  const detail: ReturnType<typeof resultJson>[] = [];
  const progress = createProgress(output);
  const began = performance.now();
  let done = 0;
  let errors = 0;
  let scoreSum = 0;
  let total = 0;
  // --max-usd: what the evaluation pays now (what the store answers costs nothing), checked before each example is dispatched.
  const budget = new Budget(flags.maxUsd !== undefined ? { usd: flags.maxUsd } : {}, undefined, undefined, "spent");
  let examples: ExampleList = [];
  let run: EvalRun | undefined;
  /** Whether the run is marked done, failed or interrupted already (quitting then leaves it so). */
  let ended = false;
  // Where an interrupted evaluation stands, and what running it again reuses.
  const interrupted = (examplesDone: number) =>
    `interrupted after ${examplesDone} of ${total} examples${run && flags.memo !== false ? `; they are recorded in run ${run.runId}, and running the same command again reuses them` : ""}`;
  const outcome = await (async () => {
    try {
      const evaluated = await evaluateProgramStreaming(program, {
        ...(flags.dataset ? { dataset: flags.dataset } : {}),
        ...(flags.split ? { split: flags.split } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        concurrency,
        signal,
        lowest: Math.max(show, GITHUB_SUMMARY_LOWEST),
        ...(flags.maxUsd !== undefined ? { canDispatch: () => budget.exhausted() === undefined } : {}),
        onStart: async (info) => {
          noticeWarnings(info.warnings, output);
          total = info.total;
          examples = info.examples;
          boundHeapGrowth(info.total);
          output.err(output.errColor.dim(`evaluating ${program.spec.name} on ${info.dataset} (${info.total} examples) with ${model}, concurrency ${concurrency}`));
        },
        memoFor: async (dataset) => {
          const reuse = flags.memo !== false;
          if (flags.record === false) {
            // Reuse earlier results (unless --no-memo), record nothing.
            return storeMemo({ evaluations: store.evaluations, fingerprints: await fingerprints(program), candidate: stateHash(program.state), record: false, reuse, traces: flags.traces !== false });
          }
          run = await beginEvalRun(store, program, {
            dataset,
            ...(flags.name ? { name: flags.name } : {}),
            // --no-memo: evaluate every example again (the LM cache still answers repeated calls).
            reuse,
            expected: total,
            config: { datasetFile: datasetPath(program.spec, flags).file, model, lm: program.pool.recordedLm(), concurrency, ...(flags.limit ? { limit: flags.limit } : {}), ...(flags.maxUsd !== undefined ? { maxUsd: flags.maxUsd } : {}), ...(flags.traces === false ? { traces: false as const } : {}) },
            onCreated: (runId) => {
              if (!output.json) output.out(`${output.color.bold("run")}    ${runId}`);
              else output.err(`run ${runId}`);
            },
          });
          const opened = run;
          ctx.onQuit((out) => {
            if (!ended) opened.finish({ error: new InterruptedError() });
            out.err(interrupted(done));
          });
          return run.memo;
        },
        onResult: (r) => {
          if (flags.json && r.index < JSON_RESULTS_LIMIT) detail[r.index] = resultJson(r);
          done++;
          scoreSum += r.score;
          if (r.error) errors++;
          budget.chargeResult(r);
          progress.update(() => {
            const elapsedMs = performance.now() - began;
            const lm = program.pool.stats();
            const extra = [
              lm.requests > 0 ? `${((lm.requests / elapsedMs) * 1000).toFixed(1)} req/s` : "",
              lm.rateLimited > 0 ? `${lm.rateLimited} × 429` : "",
              `cost ${formatUsd(budget.costUsd())}`,
            ].filter(Boolean).join(" · ");
            return evalProgressText({ done, total, meanSoFar: scoreSum / done, errors, elapsedMs, extra });
          });
          // The files and the database (LM cache rows too) each say when they are behind.
          return whenAll([jsonl?.write(r), junit?.write(r, examples.at(r.index)), store.writer.room()]);
        },
      });
      // Ctrl-C: the examples in flight ended and are recorded; nothing is reported on a part of the set.
      if (evaluated.summary.stopped === "interrupted") throw Object.assign(new InterruptedError(), { partial: evaluated });
      return evaluated;
    } catch (err) {
      run?.finish({ error: err });
      ended = true;
      // A call aborted by Ctrl-C rejects with an AbortError: an interruption (exit 130), not a failure.
      if (signal.aborted && isInterruption(err)) throw new InterruptedError(interrupted((err as { partial?: EvalOutcome }).partial?.summary.done ?? 0));
      throw err;
    } finally {
      progress.stop();
    }
  })();
  run?.finish({ report: outcome });
  ended = true;
  const { summary, lowest } = outcome;

  const below = flags.threshold !== undefined && !(summary.mean >= flags.threshold);
  const byId = new Map<string, Example>(lowest.map((r) => [r.exampleId, outcome.examples.at(r.index)!]));
  const reportInput = {
    program: program.spec.name,
    dataset: outcome.dataset,
    ...(run ? { runId: run.runId } : {}),
    model,
    summary,
  };
  await junit?.finish({ ...reportInput, timestamp: new Date() });
  if (flags.report && run) {
    const written = await writeEvalReport(store, run.runId, flags.report);
    output.err(output.errColor.dim(`report written to ${written.file}`));
  }
  try {
    const markdown = githubSummaryMarkdown({
      ...reportInput,
      lowest,
      examples: byId,
      worst: GITHUB_SUMMARY_LOWEST,
      ...(flags.threshold !== undefined ? { threshold: flags.threshold, passed: !below } : {}),
    });
    await appendGithubSummary(markdown);
  } catch (err) {
    output.notice(`could not write the GitHub step summary: ${(err as Error).message}`);
  }
  if (output.json) {
    const results = detail.filter((r) => r !== undefined);
    const omitted = summary.done - results.length;
    if (omitted > 0) {
      output.notice(
        `--json details the first ${formatInt(results.length)} of ${formatInt(summary.done)} results (\`resultsOmitted\`: ${formatInt(omitted)})${jsonl ? "" : "; --output <file.jsonl> streams every one"}`,
      );
    }
    output.out(
      JSON.stringify({
        ...(run ? { runId: run.runId } : {}),
        program: program.spec.name,
        dataset: outcome.dataset,
        model,
        summary,
        ...(flags.maxUsd !== undefined ? { maxUsd: flags.maxUsd } : {}),
        ...(flags.threshold !== undefined ? { threshold: flags.threshold, passed: !below } : {}),
        results,
        ...(omitted > 0 ? { resultsOmitted: omitted } : {}),
        lowest: lowest.slice(0, show).map(resultJson),
        ...(outcome.warnings.length > 0 ? { warnings: outcome.warnings.map(warningJson) } : {}),
      }),
    );
  } else {
    output.out(renderSummary(summary, output, flags.maxUsd));
    output.out("");
    output.out(renderWorst(lowest, summary.done, byId, output, show));
  }
  if (below) {
    if (summary.done === 0) {
      output.err(`${output.errColor.red("✗")} no example was scored, so the score cannot meet the threshold ${formatScore(flags.threshold!)}`);
      return EXIT.failed;
    }
    // Enough decimals that a near miss never reads "0.314 is below 0.314 by 0.000".
    const [score, bar] = formatScorePair(summary.mean, flags.threshold!);
    const by = flags.threshold! - summary.mean;
    output.err(`${output.errColor.red("✗")} score ${score} is below the threshold ${bar} by ${formatGap(Number.isFinite(by) ? by : flags.threshold!)}`);
    return EXIT.failed;
  }
  if (flags.threshold !== undefined) {
    const [score, bar] = formatScorePair(summary.mean, flags.threshold);
    output.err(`${output.errColor.green("✓")} score ${score} meets the threshold ${bar}`);
  }
  return EXIT.ok;
}

/** The run's HTML report, read back (once its writes are committed) over a read-only connection, as `dspx report` reads it. */
async function writeEvalReport(store: Store, runId: string, file: string) {
  await store.flush();
  const [{ writeReport }, { openViewStore }] = await Promise.all([import("./report.js"), import("../../view/view-store.js")]);
  const view = openViewStore(store.file);
  try {
    return writeReport(view, runId, file);
  } finally {
    view.close();
  }
}

/** How many lowest-scoring examples the GitHub step summary lists. */
const GITHUB_SUMMARY_LOWEST = 10;

/** One promise for the waits that are pending, or undefined when none is. */
function whenAll(waits: (Promise<void> | undefined)[]): Promise<void> | undefined {
  const pending = waits.filter((w): w is Promise<void> => w !== undefined);
  if (pending.length === 0) return undefined;
  return Promise.all(pending).then(() => undefined);
}
