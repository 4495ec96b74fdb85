import { loadGraph } from "../graph/load.js";
import { lmSettings, recordedSettings, type LmSettings } from "../lm/settings.js";
import { loadProgram, programOf, type LoadProgramOptions } from "../runtime/load.js";
import { newRunId } from "../store/run-id.js";
import type { RunRecord } from "../store/runs-store.js";
import type { Store } from "../store/store.js";
import { failureText, ProviderError, UserError } from "../util/errors.js";
import { checkpointSchema, type Checkpoint, type Finished } from "./checkpoint.js";
import { RESUMED } from "./event-log.js";
import type { OptimizeHooks } from "./hooks.js";
import { readReport, type OptimizeReport } from "./report.js";
import { resumeBaseUrl, type ResumeOptions } from "./resume-endpoint.js";
import { checkUnchanged, newRunConfig, storedRunConfig, type OptimizeFlags } from "./run-config.js";
import { Session } from "./session.js";
import { readOptimizeSection } from "./settings.js";
import { Spend } from "./spend.js";
import { limitSources } from "./budget-setting.js";
import type { ScoreSet } from "./types.js";

export type { OptimizeFlags } from "./run-config.js";
export type { OptimizeHooks, OptimizeProgress, OptimizeStart } from "./hooks.js";
export type { ResumeOptions } from "./resume-endpoint.js";

/** Starts an optimization run: the library function behind `dspx optimize`. */
export async function optimize(file: string, flags: OptimizeFlags, store: Store, signal: AbortSignal, hooks: OptimizeHooks = {}): Promise<OptimizeReport> {
  const graph = await loadGraph(file);
  const section = readOptimizeSection(graph.spec);
  const runId = newRunId();
  const spend = new Spend();
  const program = programOf(graph, programOptions(lmSettings(flags, process.env, section), store, hooks, runId, spend));
  const config = await newRunConfig(program, section, flags);
  const record = () =>
    store.runs.create({
      id: runId,
      kind: "optimize",
      ...(flags.name ? { name: flags.name } : {}),
      programName: program.spec.name,
      programFile: program.spec.file,
      programHash: program.spec.sourceHash,
      programSource: program.spec.sourceText,
      config,
      seed: config.seed,
    });
  let session: Session;
  try {
    // Resolving each step's model: a missing API key or an unknown model fails here.
    session = await Session.create(runId, program, config, { store, spend, signal, hooks });
  } catch (err) {
    // A provider that cannot be used is a failed run, kept with its reason (and its id said first).
    if (err instanceof ProviderError) {
      record();
      store.runs.update(runId, { status: "failed", finished: true, error: failureText(err) });
      hooks.onFailedToStart?.(runId);
    }
    throw err;
  }
  // A refusal names where each limit was set: the flag, optimize.budget at its position, or the default.
  const plan = session.checkPlan({ sources: limitSources(flags.budget ?? {}, section.budget ?? {}, program.spec.positions) });
  record();
  return session.run(plan, undefined);
}

/** A run `dspx resume` found finished: its record, and the report it finished with (absent for runs finished before reports were kept). */
export interface AlreadyFinished {
  alreadyFinished: RunRecord;
  report?: OptimizeReport;
}

/** Continues a run from its last checkpoint: the library function behind `dspx resume`. */
export async function resume(runId: string, store: Store, signal: AbortSignal, hooks: OptimizeHooks = {}, options: ResumeOptions = {}): Promise<OptimizeReport | AlreadyFinished> {
  const run = store.runs.resolve(runId);
  if (run.kind !== "optimize") throw new UserError(`run ${run.id} is ${run.kind === "eval" ? "an eval" : "a compare"} run: only optimize runs can be resumed (re-run \`dspx ${run.kind}\`: finished examples are reused)`);
  if (run.status === "running") throw new UserError(`run ${run.id} is still running (process ${run.pid}); stop it first, or wait for it`);
  // A finished run is finished even when what its checkpoint kept cannot be read.
  if (run.status === "done") return finishedRun(run, store);
  const checkpoint = store.runs.checkpoint(run.id, checkpointSchema)?.state;
  // (A finished checkpoint is written with the run marked done; this is for a status changed since.)
  if (checkpoint?.phase === "finished") return { alreadyFinished: run, ...reportOf(checkpoint) };
  const config = storedRunConfig(run);
  await checkUnchanged(config);
  const settings: LmSettings = { ...recordedSettings(config.lm, options.env ?? process.env), baseUrl: await resumeBaseUrl(run, config, options) };
  // What the run has paid for so far, in every earlier session, is in its totals.
  const spend = new Spend(run.totals);
  const program = await loadProgram(run.programFile, { ...programOptions(settings, store, hooks, run.id, spend), source: run.programSource });
  const session = await Session.create(run.id, program, config, { store, spend, signal, hooks });
  const plan = session.checkPlan({ resuming: true });
  store.runs.update(run.id, { status: "running", pid: process.pid });
  store.runs.addEvent(run.id, RESUMED, { pid: process.pid, ...(checkpoint ? { step: checkpoint.step, phase: checkpoint.phase } : {}) });
  return session.run(plan, checkpoint);
}

/** A finished run, with the report its last checkpoint keeps when it can be read (runs finished before reports were kept have none). */
function finishedRun(run: RunRecord, store: Store): AlreadyFinished {
  let checkpoint: Checkpoint | undefined;
  try {
    checkpoint = store.runs.checkpoint(run.id, checkpointSchema)?.state;
  } catch {
    // Damaged: the run stays finished, with no report to show.
  }
  return { alreadyFinished: run, ...(checkpoint?.phase === "finished" ? reportOf(checkpoint) : {}) };
}

function reportOf(checkpoint: Finished): { report?: OptimizeReport } {
  try {
    const report = readReport(checkpoint.report);
    return report ? { report } : {};
  } catch {
    return {};
  }
}

/**
 * How a run's program calls models: on its settings (resuming: as recorded, so that a step naming
 * no model runs on what it ran on, not on whatever keys the environment holds now), its calls
 * metered and cached under the run.
 */
function programOptions(settings: LmSettings, store: Store, hooks: OptimizeHooks, runId: string, spend: Spend): LoadProgramOptions {
  return { settings, cache: store.cache.forRun(runId), toolResults: store.toolResults, onNotice: hooks.onNotice, onPaidCall: spend.paid, onCachedCall: spend.cached };
}

export type { ScoreSet, OptimizeReport };
