import { comparePrograms, type ProgramComparison } from "../../evaluate/compare-programs.js";
import { DEFAULT_CONCURRENCY } from "../../evaluate/program.js";
import type { CompareRun } from "../../evaluate/compare-run.js";
import { loadCandidate, resolveCandidateRef, type CandidateRef } from "../../runtime/candidate-ref.js";
import { LMPool } from "../../lm/pool.js";
import { isSplitName, type SplitName } from "../../program/types.js";
import { mainDataset } from "../../store/run-config.js";
import { InterruptedError, UserError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import type { LMFlags } from "../flags.js";
import { settingsFromFlags } from "../open.js";
import { openStore } from "../open-store.js";
import { comparisonLines } from "../render/comparison.js";

export interface CompareFlags extends LMFlags {
  dataset?: string;
  split?: SplitName;
  limit?: number;
  concurrency?: number;
  seed?: number;
  json?: boolean;
  show?: number;
  name?: string;
  /** false: --no-record (no compare run; the evaluations are stored as ever). */
  record?: boolean;
}

export async function compareCommand(refA: string, refB: string, flags: CompareFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.dataset && flags.split) throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  if (flags.name !== undefined && flags.record === false) throw new UserError({ flag: "--name", message: "a name is for a recorded run: leave out --no-record" });
  const settings = settingsFromFlags(flags);
  const store = openStore(flags, ctx);
  const a = resolveCandidateRef(store, refA, "compare");
  const b = resolveCandidateRef(store, refB, "compare");
  // One pool: both sides share each endpoint's scheduler and the cache. A run's candidate runs on
  // the models and endpoints it was recorded with (so its stored evaluations count), unless --lm
  // says otherwise for both sides; --base-url moves both sides' endpoint. The cache is the run's
  // view of it: the entries the comparison uses are linked to its run.
  const pool = new LMPool(settings, { cache: store.cache.forRun(), onNotice: (m) => output.notice(m) });
  const replay = !flags.lm;
  const toolResults = settings.cache ? store.toolResults : undefined;
  const [pa, pb] = await Promise.all([loadCandidate(a, pool, { replay, toolResults }), loadCandidate(b, pool, { replay, toolResults })]);
  // Default dataset: an explicit one, else the split a run was evaluated on, else dev.
  const runSplit = [a, b].flatMap((r) => (r.kind === "run" ? [mainDataset(r.run)] : [])).find(isSplitName);
  const choice = flags.dataset ? { dataset: flags.dataset } : { split: flags.split ?? runSplit ?? "dev" };
  output.err(output.errColor.dim(`comparing on ${"dataset" in choice ? choice.dataset : choice.split}: A = ${a.label}, B = ${b.label}`));
  let run: CompareRun | undefined;
  ctx.onQuit((out) => {
    run?.finish({ error: new InterruptedError(), sides: [] });
    out.err(`interrupted, so nothing was compared; the evaluations that finished are kept${run ? ` (in run ${run.runId})` : ""}, and running the same command again reuses them`);
  });
  const side = (ref: CandidateRef, refText: string, program: typeof pa) => ({ label: ref.label, program, ref: refText, ...(ref.kind === "run" ? { run: ref.run.id } : {}) });
  const comparison = await comparePrograms(store, side(a, refA, pa), side(b, refB, pb), {
    ...choice,
    ...(flags.limit ? { limit: flags.limit } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    signal,
    ...(flags.record === false
      ? {}
      : {
          record: {
            lm: pool.recordedLm(),
            ...(flags.name ? { name: flags.name } : {}),
            onCreated: (created: CompareRun) => {
              run = created;
              if (!output.json) output.out(`${output.color.bold("run")}    ${created.runId}`);
              else output.err(`run ${created.runId}`);
            },
          },
        }),
  });
  if (!comparison.sameModels) {
    output.notice(`A and B ran on different models (A: ${comparison.a.models.join(", ")}; B: ${comparison.b.models.join(", ")}), so the difference is the models' as much as the candidates' (--lm runs both on one)`);
  }
  if (output.json) {
    output.out(JSON.stringify(comparisonJson(comparison)));
    return 0;
  }
  output.out(renderComparison(comparison, ctx, flags.show ?? 10));
  return 0;
}

function comparisonJson(c: ProgramComparison) {
  const { a, b, ...rest } = c;
  return {
    ...rest,
    a: { label: a.label, mean: c.meanA, models: a.models, summary: a.report.summary },
    b: { label: b.label, mean: c.meanB, models: b.models, summary: b.report.summary },
  };
}

function renderComparison(c: ProgramComparison, { output }: CommandContext, show: number): string {
  return comparisonLines(
    {
      a: { label: c.a.label, mean: c.meanA, models: c.a.models },
      b: { label: c.b.label, mean: c.meanB, models: c.b.models },
      sameModels: c.sameModels,
      n: c.n,
      dataset: c.dataset,
      note: "scored from the store where already evaluated",
      diff: c.diff,
      ci95: c.diffCi95,
      resamples: c.bootstrap.resamples,
      exact: c.exact,
      improved: c.improved,
      regressed: c.regressed,
    },
    output,
    show,
  ).join("\n");
}
