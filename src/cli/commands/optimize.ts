import { existsSync } from "node:fs";
import path from "node:path";
import type { BudgetLimits } from "../../optimize/budget.js";
import { optimize, resume, type AlreadyFinished as ResumeFinished, type OptimizeHooks, type OptimizeReport } from "../../optimize/run.js";
import type { OptimizerName } from "../../optimize/types.js";
import { isInterruption, ProviderError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import { EXIT, RunSaved } from "../errors.js";
import type { LMFlags } from "../flags.js";
import { lmOptionsFromFlags } from "../open.js";
import { openStore } from "../open-store.js";
import type { Store } from "../../store/store.js";
import { createProgress } from "../progress.js";
import { progressText, renderPlan, renderReport } from "../render/optimize.js";
import { displayPath } from "../../util/display-path.js";
import type { RunRecord } from "../../store/runs-store.js";
import { programChanged } from "../program-changed.js";

export interface OptimizeCommandFlags extends LMFlags {
  /** One optimizer, or several run in sequence (`--optimizer bootstrap,gepa` gives a list). */
  optimizer?: OptimizerName | readonly OptimizerName[];
  trainset?: string;
  devset?: string;
  budgetCalls?: number;
  budgetUsd?: number;
  budgetTime?: number;
  budgetRollouts?: number;
  seed?: number;
  concurrency?: number;
  teacherLm?: string;
  reflectionLm?: string;
  name?: string;
  json?: boolean;
  /** false: --no-traces. */
  traces?: boolean;
}

function hooksFor(ctx: CommandContext, announced: { runId?: string }, store: Store): { hooks: OptimizeHooks; stop: () => void } {
  const { output } = ctx;
  const progress = createProgress(output);
  const began = performance.now();
  const hooks: OptimizeHooks = {
    onStart: (info) => {
      announced.runId = info.runId;
      // Quitting at once leaves the step in progress unfinished: the run continues from its last checkpoint.
      ctx.onQuit((out) => {
        if (store.runs.get(info.runId)?.status === "running") store.runs.update(info.runId, { status: "interrupted" });
        out.err(`the run is kept up to its last checkpoint and the results that finished; continue it with \`dspx resume ${info.runId}\``);
      });
      if (output.json) output.err(`run ${info.runId}`);
      else output.out(`${output.color.bold("run")}    ${info.runId}`);
      // The seed in force, wherever it came from (flag, optimize.seed, the default, a resumed run's record).
      const plan = renderPlan(info, output);
      if (output.json) output.err(plan);
      else output.out(plan);
    },
    onFailedToStart: (runId) => {
      if (output.json) output.err(`run ${runId}`);
      else output.out(`${output.color.bold("run")}    ${runId}`);
    },
    onProgress: (p) => progress.update(() => progressText(p, performance.now() - began)),
    onNotice: (m) => output.notice(m),
  };
  return { hooks, stop: () => progress.stop() };
}

async function finish(ctx: CommandContext, work: () => Promise<OptimizeReport>, stop: () => void, announced: { runId?: string }, programFile: () => string): Promise<number> {
  const { output } = ctx;
  let report: OptimizeReport;
  try {
    report = await work();
  } catch (err) {
    stop();
    // The run exists and keeps what it finished: the error handler says how to continue it.
    if (announced.runId && (isInterruption(err) || err instanceof ProviderError)) throw new RunSaved(err as Error, announced.runId);
    throw err;
  }
  stop();
  if (output.json) output.out(JSON.stringify(report));
  else output.out(renderReport(report, displayPath(programFile()), output));
  return EXIT.ok;
}

export async function optimizeCommand(file: string, flags: OptimizeCommandFlags, ctx: CommandContext): Promise<number> {
  const lm = lmOptionsFromFlags(flags);
  const store = openStore(flags, ctx);
  // Limits not given are undefined: the program's optimize.budget, else the default, applies.
  const budget: BudgetLimits = { calls: flags.budgetCalls, usd: flags.budgetUsd, timeMs: flags.budgetTime, rollouts: flags.budgetRollouts };
  const announced: { runId?: string } = {};
  const { hooks, stop } = hooksFor(ctx, announced, store);
  return finish(
    ctx,
    () =>
      optimize(file, { ...flags, ...lm, budget }, store, ctx.signal, hooks),
    stop,
    announced,
    () => path.resolve(file),
  );
}

export async function resumeCommand(ref: string, flags: { db?: string; json?: boolean; baseUrl?: string }, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx);
  const notice = changedProgramNotice(store.runs.resolve(ref));
  if (notice) ctx.output.notice(notice);
  const announced: { runId?: string } = {};
  const { hooks, stop } = hooksFor(ctx, announced, store);
  let programFile = "";
  return finish(
    ctx,
    async () => {
      const result = await resume(ref, store, ctx.signal, hooks, flags.baseUrl !== undefined ? { baseUrl: flags.baseUrl } : {});
      if ("alreadyFinished" in result) {
        stop();
        throw new AlreadyFinished(result);
      }
      programFile = store.runs.get(result.runId)?.programFile ?? "";
      return result;
    },
    stop,
    announced,
    () => programFile,
  ).catch((err: unknown) => {
    if (!(err instanceof AlreadyFinished)) throw err;
    const { alreadyFinished: run, report } = err.result;
    const line = `run ${run.id} already finished${run.bestScore !== undefined ? ` (best dev score ${run.bestScore.toFixed(3)})` : ""}: nothing to resume. Take its result with \`dspx export ${run.id}\`.`;
    if (!ctx.output.json) {
      ctx.output.out(line);
      return EXIT.ok;
    }
    // --json: the report the run finished with, as `optimize --json` printed it.
    ctx.output.err(line);
    ctx.output.out(JSON.stringify(report ?? { runId: run.id, status: run.status, bestCandidate: run.bestCandidate ?? null, bestScore: run.bestScore ?? null }));
    return EXIT.ok;
  });
}

/**
 * Resume replays the program the run recorded, not the file as it is now: say so when the file
 * changed (or is gone), so an edit is not mistaken for part of the run.
 */
export function changedProgramNotice(run: Pick<RunRecord, "kind" | "status" | "programFile" | "programHash">): string | undefined {
  if (run.kind !== "optimize" || run.status === "done" || !programChanged(run.programFile, run.programHash)) return undefined;
  const shown = displayPath(run.programFile);
  const what = existsSync(run.programFile) ? `${shown} has changed since this run started` : `${shown} is gone`;
  return `${what}: the run continues with the program it recorded (to optimize the file as it is now, start a new run with \`dspx optimize ${shown}\`)`;
}

class AlreadyFinished extends Error {
  constructor(readonly result: ResumeFinished) {
    super("already finished");
  }
}
