import { evaluateProgram, DEFAULT_CONCURRENCY } from "../../api/evaluate.js";
import type { SplitName } from "../../program/types.js";
import type { Example } from "../../program/example.js";
import { UserError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import { EXIT } from "../errors.js";
import type { LMFlags } from "../flags.js";
import { openProgram } from "../open.js";
import { formatUsd } from "../output.js";
import { createProgress, evalProgressText } from "../progress.js";
import { renderSummary, renderWorst, resultJson } from "../render/eval.js";

export interface EvalFlags extends LMFlags {
  dataset?: string;
  split?: SplitName;
  concurrency?: number;
  limit?: number;
  json?: boolean;
  show?: number;
  maxUsd?: number;
}

export async function evalCommand(file: string, flags: EvalFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.dataset && flags.split) {
    throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  }
  const program = await openProgram(file, flags, ctx);
  const model = program.pool.resolveModel(program.spec.lm);
  if (flags.maxUsd !== undefined && !program.costKnown()) {
    throw new UserError({
      flag: "--max-usd",
      message: `the price of ${model} is unknown, so a cost cap cannot be enforced; add \`lm.prices: { input, output }\` (USD per million tokens) to the program`,
    });
  }
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  const progress = createProgress(output);
  const began = performance.now();
  let done = 0;
  let errors = 0;
  let scoreSum = 0;
  let total = 0;
  let spent = 0;
  let costUnknown = false;
  const report = await (async () => {
    try {
      return await evaluateProgram(program, {
        ...flags,
        concurrency,
        signal,
        ...(flags.maxUsd !== undefined ? { canDispatch: () => spent < flags.maxUsd! } : {}),
        onStart: (info) => {
          total = info.total;
          output.err(output.errColor.dim(`evaluating ${program.spec.name} on ${info.dataset} (${info.total} examples) with ${model}, concurrency ${concurrency}`));
        },
        onResult: (r) => {
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
    } finally {
      progress.stop();
    }
  })();

  if (output.json) {
    output.out(
      JSON.stringify({
        program: program.spec.name,
        dataset: report.dataset,
        model,
        summary: report.summary,
        ...(flags.maxUsd !== undefined ? { maxUsd: flags.maxUsd } : {}),
        results: report.results.map(resultJson),
      }),
    );
  } else {
    const byId = new Map<string, Example>(report.examples.map((e) => [e.id, e]));
    output.out(renderSummary(report.summary, output, flags.maxUsd));
    output.out("");
    output.out(renderWorst(report.results, byId, output, flags.show ?? 5));
  }
  return report.summary.stopped === "interrupted" ? EXIT.interrupted : EXIT.ok;
}
