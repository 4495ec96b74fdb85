import type { EvalOutcome } from "./types.js";
import { storeMemo, type EvalMemo } from "./memo.js";
import { stateHash } from "../program/state.js";
import { newRunId } from "../store/run-id.js";
import type { EvalRunConfig } from "../store/run-config.js";
import type { RunTotals, RunStatus } from "../store/runs-store.js";
import type { Store } from "../store/store.js";
import { failureText, isInterruption } from "../util/errors.js";
import { fingerprints } from "../runtime/fingerprint.js";
import type { Program } from "../runtime/program.js";

export interface EvalRun {
  runId: string;
  /** Reuses earlier evaluations and records this run's results as they finish. */
  memo: EvalMemo;
  /** Marks the run done (or failed / interrupted) with its totals. */
  finish(outcome: { report?: EvalOutcome; error?: unknown }): void;
}

/** Totals of an evaluation as a run records them. */
export function totalsOf(report: EvalOutcome): RunTotals {
  const s = report.summary;
  return {
    examples: s.done,
    errors: s.errors,
    memoized: s.memoized,
    calls: s.calls,
    cachedCalls: s.cachedCalls,
    ...(s.toolCalls !== undefined ? { toolCalls: s.toolCalls, replayedToolCalls: s.replayedToolCalls ?? 0 } : {}),
    promptTokens: s.usage.promptTokens,
    completionTokens: s.usage.completionTokens,
    costUsd: s.costUsd,
    wallMs: Math.round(s.wallMs),
    mean: s.mean,
    ci95: s.ci95,
  };
}

/** Opens an eval run in the store: the run row, its one candidate, and the memo that records into it. */
export async function beginEvalRun(
  store: Store,
  program: Program,
  info: {
    dataset: string;
    config: Omit<EvalRunConfig, "dataset">;
    name?: string;
    /** false: evaluate every example again (`--no-memo`). */
    reuse?: boolean;
    /** How many examples it will score (kept in its totals, for a viewer's progress while it runs). */
    expected?: number;
    /** The run row exists: called before anything that can fail (resolving the models), so its id can be shown first. */
    onCreated?: (runId: string) => void;
  },
): Promise<EvalRun> {
  const runId = newRunId();
  const candidate = stateHash(program.state);
  store.runs.create({
    id: runId,
    kind: "eval",
    ...(info.name ? { name: info.name } : {}),
    programName: program.spec.name,
    programFile: program.spec.file,
    programHash: program.spec.sourceHash,
    programSource: program.spec.sourceText,
    config: { dataset: info.dataset, ...info.config },
  });
  info.onCreated?.(runId);
  const expected = info.expected !== undefined ? { expected: info.expected } : {};
  if (info.expected !== undefined) store.runs.update(runId, { totals: expected });
  store.runs.addCandidate(runId, { hash: candidate, state: program.state, origin: "program" });
  program.pool.linkCacheTo(runId);
  let memo: EvalMemo;
  try {
    memo = storeMemo({
      evaluations: store.evaluations,
      // Resolving each step's model: a missing API key fails here, and the run is marked failed with it.
      fingerprints: await fingerprints(program),
      candidate,
      link: { runId, dataset: info.dataset },
      traces: info.config.traces !== false,
      ...(info.reuse === false ? { reuse: false } : {}),
    });
  } catch (err) {
    store.runs.update(runId, { status: "failed", finished: true, error: failureText(err) });
    throw err;
  }
  return {
    runId,
    memo,
    finish({ report, error }) {
      // Ctrl-C reaches calls in flight as an AbortError: the run was interrupted, not failed.
      const interrupted = isInterruption(error) || report?.summary.stopped === "interrupted";
      const status: RunStatus = interrupted ? "interrupted" : error ? "failed" : "done";
      const partial = report ?? (error as { partial?: EvalOutcome } | undefined)?.partial;
      store.runs.update(runId, {
        status,
        finished: true,
        ...(error && !interrupted ? { error: failureText(error) } : {}),
        ...(partial ? { totals: { ...totalsOf(partial), ...expected }, bestCandidate: candidate, ...(Number.isFinite(partial.summary.mean) ? { bestScore: partial.summary.mean } : {}) } : {}),
      });
    },
  };
}
