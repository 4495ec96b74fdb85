import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { evaluateProgram, DEFAULT_CONCURRENCY } from "../../api/evaluate.js";
import { beginEvalRun, type EvalRun } from "../../api/record.js";
import { fingerprints } from "../../api/fingerprint.js";
import { storeMemo } from "../../evaluate/memo.js";
import type { SplitName } from "../../program/types.js";
import type { Example } from "../../program/example.js";
import { stateHash } from "../../program/state.js";
import { InterruptedError, isInterruption, UserError } from "../../util/errors.js";
import type { EvalReport } from "../../evaluate/types.js";
import type { CommandContext } from "../context.js";
import { EXIT } from "../errors.js";
import type { LMFlags } from "../flags.js";
import { openProgram, openStore } from "../open.js";
import { formatUsd } from "../output.js";
import { createProgress, evalProgressText } from "../progress.js";
import { renderSummary, renderWorst, resultJson } from "../render/eval.js";
import { appendGithubSummary, githubSummaryMarkdown } from "../report/github-summary.js";
import { JsonlWriter } from "../report/jsonl.js";
import { junitXml } from "../report/junit.js";
import { formatGap, formatScorePair } from "../report/text.js";

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
}

export async function evalCommand(file: string, flags: EvalFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.dataset && flags.split) {
    throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  }
  // It writes unless it records nothing, memoizes nothing and caches nothing.
  const store = openStore(flags, ctx, { write: !(flags.record === false && flags.memo === false && flags.cache === false) });
  const program = await openProgram(file, flags, ctx, store);
  const model = program.pool.resolveModel(program.spec.lm);
  if (flags.maxUsd !== undefined && !program.costKnown()) {
    throw new UserError({
      flag: "--max-usd",
      message: `the price of ${model} is unknown, so a cost cap cannot be enforced; add \`lm.prices: { input, output }\` (USD per million tokens) to the program`,
    });
  }
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  // The JSONL stream opens before any work, so a bad path fails fast (exit 2).
  const jsonl = flags.output ? await JsonlWriter.open(path.resolve(flags.output)) : undefined;
  if (jsonl) ctx.defer(() => jsonl.close());
  const progress = createProgress(output);
  const began = performance.now();
  let done = 0;
  let errors = 0;
  let scoreSum = 0;
  let total = 0;
  let spent = 0;
  let costUnknown = false;
  let run: EvalRun | undefined;
  const report = await (async () => {
    try {
      return await evaluateProgram(program, {
        ...(flags.dataset ? { dataset: flags.dataset } : {}),
        ...(flags.split ? { split: flags.split } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        concurrency,
        signal,
        ...(flags.maxUsd !== undefined ? { canDispatch: () => spent < flags.maxUsd! } : {}),
        onStart: async (info) => {
          total = info.total;
          output.err(output.errColor.dim(`evaluating ${program.spec.name} on ${info.dataset} (${info.total} examples) with ${model}, concurrency ${concurrency}`));
        },
        memoFor: async (dataset) => {
          if (flags.record === false && flags.memo === false) return { get: () => undefined, put: () => {} };
          if (flags.record === false) {
            // Reuse earlier results, record nothing.
            return storeMemo({ evaluations: store.evaluations, fingerprints: await fingerprints(program), candidate: stateHash(program.state) });
          }
          run = await beginEvalRun(store, program, {
            dataset,
            ...(flags.name ? { name: flags.name } : {}),
            config: { model, lm: program.pool.recordedLm(), concurrency, ...(flags.limit ? { limit: flags.limit } : {}), ...(flags.maxUsd !== undefined ? { maxUsd: flags.maxUsd } : {}) },
          });
          if (!output.json) output.out(`${output.color.bold("run")}    ${run.runId}`);
          else output.err(`run ${run.runId}`);
          // --no-memo: evaluate every example again (the LM cache still answers repeated calls).
          return flags.memo === false ? { get: () => undefined, put: run.memo.put } : run.memo;
        },
        onResult: (r) => {
          jsonl?.write(r);
          done++;
          scoreSum += r.score;
          if (r.error) errors++;
          if (r.costUsd === null) costUnknown = true;
          else spent += r.costUsd;
          progress.update(() => {
            const elapsedMs = performance.now() - began;
            const lm = program.pool.stats();
            const extra = [
              lm.requests > 0 ? `${((lm.requests / elapsedMs) * 1000).toFixed(1)} req/s` : "",
              lm.rateLimited > 0 ? `${lm.rateLimited} × 429` : "",
              `cost ${costUnknown ? "unknown" : formatUsd(spent)}`,
            ].filter(Boolean).join(" · ");
            return evalProgressText({ done, total, meanSoFar: scoreSum / done, errors, elapsedMs, extra });
          });
        },
      });
    } catch (err) {
      run?.finish({ error: err });
      // Ctrl-C aborts the calls in flight; that is an interruption (exit 130), not a failure.
      if (signal.aborted && isInterruption(err)) {
        const done = (err as { partial?: EvalReport }).partial?.summary.done ?? 0;
        const kept = run && flags.memo !== false ? `; they are recorded in run ${run.runId}, and running the same command again reuses them` : "";
        throw new InterruptedError(`interrupted after ${done} of ${total} examples${kept}`);
      }
      throw err;
    } finally {
      progress.stop();
    }
  })();
  run?.finish({ report });

  const below = flags.threshold !== undefined && !(report.summary.mean >= flags.threshold);
  const byId = new Map<string, Example>(report.examples.map((e) => [e.id, e]));
  const reportInput = {
    program: program.spec.name,
    dataset: report.dataset,
    ...(run ? { runId: run.runId } : {}),
    model,
    summary: report.summary,
    results: report.results,
    examples: byId,
  };
  if (flags.junit) {
    const file = path.resolve(flags.junit);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, junitXml({ ...reportInput, passScore: flags.passScore ?? 1, timestamp: new Date() }));
  }
  try {
    const markdown = githubSummaryMarkdown({ ...reportInput, ...(flags.threshold !== undefined ? { threshold: flags.threshold, passed: !below } : {}) });
    await appendGithubSummary(markdown);
  } catch (err) {
    output.notice(`could not write the GitHub step summary: ${(err as Error).message}`);
  }
  if (output.json) {
    output.out(
      JSON.stringify({
        ...(run ? { runId: run.runId } : {}),
        program: program.spec.name,
        dataset: report.dataset,
        model,
        summary: report.summary,
        ...(flags.maxUsd !== undefined ? { maxUsd: flags.maxUsd } : {}),
        ...(flags.threshold !== undefined ? { threshold: flags.threshold, passed: !below } : {}),
        results: report.results.map(resultJson),
      }),
    );
  } else {
    output.out(renderSummary(report.summary, output, flags.maxUsd));
    output.out("");
    output.out(renderWorst(report.results, byId, output, flags.show ?? 5));
  }
  if (report.summary.stopped === "interrupted") return EXIT.interrupted;
  if (below) {
    // Enough decimals that a near miss never reads "0.314 is below 0.314 by 0.000".
    const [score, bar] = formatScorePair(report.summary.mean, flags.threshold!);
    const by = flags.threshold! - report.summary.mean;
    output.err(`${output.errColor.red("✗")} score ${score} is below the threshold ${bar} by ${formatGap(Number.isFinite(by) ? by : flags.threshold!)}`);
    return EXIT.failed;
  }
  if (flags.threshold !== undefined) {
    const [score, bar] = formatScorePair(report.summary.mean, flags.threshold);
    output.err(`${output.errColor.green("✓")} score ${score} meets the threshold ${bar}`);
  }
  return EXIT.ok;
}
