import path from "node:path";
import { checkBatchInputs, readBatchInputs } from "../../batch/inputs.js";
import { predictBatch, type BatchResult, type BatchSummary } from "../../batch/predict.js";
import { DEFAULT_CONCURRENCY } from "../../evaluate/program.js";
import { displayPath } from "../../util/display-path.js";
import { InterruptedError, isInterruption, UserError } from "../../util/errors.js";
import { inFlightSignal, twoStageStop } from "../../util/interrupt.js";
import type { CommandContext } from "../context.js";
import { EXIT } from "../errors.js";
import type { LMFlags } from "../flags.js";
import { boundHeapGrowth } from "../heap-growth.js";
import { openProgram } from "../open.js";
import { formatInt, formatUsd, plural } from "../output.js";
import { createProgress } from "../progress.js";
import { FileSink } from "../report/file-sink.js";

export interface RunBatchFlags extends LMFlags {
  inputFile: string;
  output?: string;
  concurrency?: number;
  json?: boolean;
}

/** Whether `run` reads many inputs, one per line, rather than one: an input file named *.jsonl (or *.ndjson). */
export function isBatchInput(file: string | undefined): file is string {
  return file !== undefined && /\.(jsonl|ndjson)$/i.test(file);
}

/**
 * `dspx run <program> --input-file inputs.jsonl`: the program over every line, results streamed
 * in input order (to --output or stdout, one JSON object per line), a failing line recorded and
 * the batch going on, a summary on stderr. The whole file is checked before any call; rerunning
 * the same command answers the lines already done from the LM cache.
 */
export async function runBatchCommand(file: string, flags: RunBatchFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  const inputFile = flags.inputFile;
  const outFile = flags.output === undefined ? undefined : path.resolve(flags.output);
  if (outFile !== undefined) checkOutputPath(outFile, flags.output!, path.resolve(inputFile));
  const program = await openProgram(file, flags, ctx);
  const { count } = await checkBatchInputs(inputFile, program.spec.inputs);
  // The output file is opened (emptied) only once the inputs are known to be good, and before any
  // call. On stdout, once its reader has gone away (`| head`) nothing more is dispatched.
  const readerGone = new AbortController();
  const sink = outFile !== undefined ? await FileSink.open(outFile, "the predictions file") : stdoutSink(() => readerGone.abort());
  // Ctrl-C's two stages as they are, and a reader gone as both at once (nobody wants what is in flight).
  const stop = twoStageStop();
  signal.addEventListener("abort", () => stop.stop(), { once: true });
  inFlightSignal(signal).addEventListener("abort", () => stop.quit(), { once: true });
  readerGone.signal.addEventListener("abort", () => stop.quit(), { once: true });
  ctx.defer(() => sink.close());
  const stopped = () => readerGone.signal.aborted && !signal.aborted;
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  boundHeapGrowth(count);
  const model = program.pool.resolveModel(program.spec.lm);
  output.err(output.errColor.dim(`running ${program.spec.name} on ${displayPath(inputFile)} (${plural(count, "line")}) with ${model}, concurrency ${concurrency}`));
  const progress = outFile !== undefined ? createProgress(output) : { update() {}, stop() {} };
  let done = 0;
  let errors = 0;
  let summary: BatchSummary;
  const keptText = (n: number) => (n > 0 ? `the first ${plural(n, "result")} ${outFile !== undefined ? `are in ${displayPath(outFile)}` : "were printed"}` : undefined);
  try {
    summary = await predictBatch({
      graph: program.graph,
      state: program.state,
      exec: program.exec(),
      inputs: readBatchInputs(inputFile, program.spec.inputs),
      total: count,
      concurrency,
      signal: stop.signal,
      onResult: (r) => {
        done++;
        if (r.error) errors++;
        progress.update(() => `${formatInt(done)}/${formatInt(count)} lines${errors > 0 ? ` · ${plural(errors, "error")}` : ""}`);
        return sink.write(`${JSON.stringify(resultLine(r))}\n`);
      },
    });
  } catch (err) {
    progress.stop();
    const partial = (err as { partial?: BatchSummary }).partial;
    if (stopped() && isInterruption(err)) return readerGoneExit(output, partial?.done ?? 0, count);
    const kept = keptText(partial?.done ?? 0);
    if (partial) output.err(summaryText(partial));
    if (signal.aborted && isInterruption(err)) throw interrupted(partial?.done ?? 0, count, kept);
    if (kept) output.err(kept);
    throw err;
  }
  progress.stop();
  if (stopped()) return readerGoneExit(output, summary.done, count);
  output.err(summaryText(summary));
  if (summary.stopped === "interrupted") {
    throw interrupted(summary.done, count, keptText(summary.done));
  }
  if (output.json && outFile !== undefined) output.out(JSON.stringify({ program: program.spec.name, input: displayPath(inputFile), output: displayPath(outFile), model, summary }));
  return EXIT.ok;
}

/** Ctrl-C: where the batch stopped, and that running it again costs only the lines not done. */
function interrupted(done: number, total: number, kept: string | undefined): InterruptedError {
  return new InterruptedError(`interrupted after ${formatInt(done)} of ${formatInt(total)} lines${kept ? `; ${kept}` : ""}; running the same command again answers the finished lines from the LM cache`);
}

/**
 * --output is refused before anything runs when it would destroy the inputs (whether it can be
 * written at all is checked with the flag, by `outputFile`).
 */
function checkOutputPath(outFile: string, given: string, inputFile: string): void {
  if (outFile === inputFile) throw new UserError({ flag: "--output", message: `${given} is the input file; writing the predictions there would destroy the inputs` });
}

/** One line of the predictions: where the input was, and its outputs or its error. */
export function resultLine(r: BatchResult): Record<string, unknown> {
  const where = { line: r.line, ...(r.id !== undefined ? { id: r.id } : {}) };
  if (r.error) return { ...where, error: { ...(r.error.step !== undefined ? { step: r.error.step } : {}), message: r.error.message, ...(r.error.raw !== undefined ? { raw: r.error.raw } : {}) } };
  return { ...where, outputs: r.outputs };
}

function summaryText(s: BatchSummary): string {
  const parts = [
    `${formatInt(s.done)}${s.done < s.total ? ` of ${formatInt(s.total)}` : ""} lines: ${formatInt(s.ok)} ok, ${plural(s.errors, "error")}`,
    `${plural(s.calls, "LM call")}${s.cachedCalls > 0 ? ` (${formatInt(s.cachedCalls)} from the cache)` : ""}`,
    `${formatInt(s.usage.promptTokens + s.usage.completionTokens)} tokens`,
    `cost ${formatUsd(s.costUsd)}`,
  ];
  return parts.join(" · ");
}

/** The batch stopped because nobody reads its results any more: not a failure (as `yes | head` is not). */
function readerGoneExit(output: CommandContext["output"], done: number, total: number): number {
  output.err(`stopped after ${formatInt(done)} of ${formatInt(total)} lines: standard output was closed`);
  return EXIT.ok;
}

/**
 * Standard output as a sink for the predictions, waiting for it to drain when a reader is slow;
 * `onClosed` is told once its reader has gone away (EPIPE), after which writes are dropped.
 */
function stdoutSink(onClosed: () => void): Pick<FileSink, "write" | "close"> {
  let closed = false;
  const close = () => {
    closed = true;
    onClosed();
  };
  process.stdout.once("error", close);
  return {
    write(text) {
      if (closed || process.stdout.destroyed || !process.stdout.writable) return undefined;
      if (process.stdout.write(text)) return undefined;
      return new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off("drain", done).off("error", done).off("close", done);
          resolve();
        };
        process.stdout.on("drain", done).on("error", done).on("close", done);
      });
    },
    async close() {
      process.stdout.off("error", close);
    },
  };
}
