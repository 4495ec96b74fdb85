import { evaluateProgram, DEFAULT_CONCURRENCY } from "../../api/evaluate.js";
import type { SplitName } from "../../program/types.js";
import type { Example } from "../../program/example.js";
import type { CommandContext } from "../context.js";
import { openProgram } from "../open.js";
import { createProgress, evalProgressText } from "../progress.js";
import { renderSummary, renderWorst, resultJson } from "../render/eval.js";
import { EXIT } from "../errors.js";
import { UserError } from "../../util/errors.js";

export interface EvalFlags {
  dataset?: string;
  split?: SplitName;
  lm?: string;
  concurrency?: number;
  limit?: number;
  json?: boolean;
  show?: number;
}

export async function evalCommand(file: string, flags: EvalFlags, { output, signal }: CommandContext): Promise<number> {
  if (flags.dataset && flags.split) {
    throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  }
  const program = await openProgram(file, flags, output);
  const model = program.pool.resolveModel(program.spec.lm);
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  const progress = createProgress(output);
  const began = performance.now();
  let done = 0;
  let errors = 0;
  let scoreSum = 0;
  let total = 0;
  const report = await (async () => {
    try {
      return await evaluateProgram(program, {
        ...flags,
        concurrency,
        signal,
        onStart: (info) => {
          total = info.total;
          output.err(output.errColor.dim(`evaluating ${program.spec.name} on ${info.dataset} (${info.total} examples) with ${model}, concurrency ${concurrency}`));
        },
        onResult: (r) => {
          done++;
          scoreSum += r.score;
          if (r.error) errors++;
          progress.update(evalProgressText({ done, total, meanSoFar: scoreSum / done, errors, elapsedMs: performance.now() - began }));
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
        results: report.results.map(resultJson),
      }),
    );
  } else {
    const byId = new Map<string, Example>(report.examples.map((e) => [e.id, e]));
    output.out(renderSummary(report.summary, output));
    output.out("");
    output.out(renderWorst(report.results, byId, output, flags.show ?? 5));
  }
  return report.summary.stopped === "interrupted" ? EXIT.interrupted : EXIT.ok;
}
