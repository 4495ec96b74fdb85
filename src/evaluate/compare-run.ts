import { signCounts, type CompareResult } from "./compare.js";
import { storeMemo, type EvalMemo } from "./memo.js";
import type { EvalOutcome } from "./types.js";
import { stateHash } from "../program/state.js";
import { sha256 } from "../util/canonical.js";
import type { CompareSummary } from "../store/compare-summary.js";
import type { CompareRunConfig, CompareSideConfig, RecordedLm } from "../store/run-config.js";
import { newRunId } from "../store/run-id.js";
import type { RunStatus, RunTotals } from "../store/runs-store.js";
import type { Store } from "../store/store.js";
import { failureText, isInterruption } from "../util/errors.js";
import { fingerprints, modelsOf } from "../runtime/fingerprint.js";
import type { Program } from "../runtime/program.js";

/** A side of a comparison: its label and program, and what a recorded run keeps of how it was named. */
export interface RecordedSide {
  label: string;
  program: Program;
  /** As named (a run, `run:candidate`, a file); the label when absent. */
  ref?: string;
  /** The run its candidate came from. */
  run?: string;
}

export type SideName = "a" | "b";

/** What a compare run ended with: the comparison, or the error that stopped it; and what each side got through. */
export interface CompareRunOutcome {
  result?: CompareResult & { sameModels: boolean };
  error?: unknown;
  /** Each side's evaluation as far as it went (a side not started is absent). */
  sides: EvalOutcome[];
}

export interface CompareRun {
  runId: string;
  /** Each side's candidate as this run names it (B's has `-b` added when both sides share a state). */
  candidates: Record<SideName, string>;
  /** The memo of one side: reuses earlier evaluations and links each result to this run under the side's candidate. */
  memoFor(side: SideName, dataset: string): Promise<EvalMemo>;
  /** How many results it sets out to record, both sides' together (kept in its totals, for a viewer's progress while it runs). */
  expect(results: number): void;
  /** Marks the run done, failed or interrupted, with its totals; once (later calls change nothing). */
  finish(outcome: CompareRunOutcome): void;
}

/** The summary a finished compare run keeps (`totals.compare`). */
export function compareSummary(result: CompareResult & { sameModels: boolean }): CompareSummary {
  return {
    n: result.n,
    meanA: result.meanA,
    meanB: result.meanB,
    diff: result.diff,
    ci95: result.diffCi95,
    bootstrap: result.bootstrap,
    ...signCounts(result),
    ...(result.exact ? { exact: result.exact } : {}),
    sameModels: result.sameModels,
  };
}

/** The totals of both sides' evaluations together: examples compared, calls, tokens and cost. */
export function compareTotals(sides: readonly EvalOutcome[], n?: number): RunTotals {
  const sum = (f: (s: EvalOutcome["summary"]) => number) => sides.reduce((t, o) => t + f(o.summary), 0);
  const costs = sides.map((o) => o.summary.costUsd);
  const toolCalls = sides.some((o) => o.summary.toolCalls !== undefined);
  return {
    examples: n ?? Math.min(...sides.map((o) => o.summary.done)),
    errors: sum((s) => s.errors),
    memoized: sum((s) => s.memoized),
    calls: sum((s) => s.calls),
    cachedCalls: sum((s) => s.cachedCalls),
    ...(toolCalls ? { toolCalls: sum((s) => s.toolCalls ?? 0), replayedToolCalls: sum((s) => s.replayedToolCalls ?? 0) } : {}),
    promptTokens: sum((s) => s.usage.promptTokens),
    completionTokens: sum((s) => s.usage.completionTokens),
    costUsd: costs.some((c) => c === null) ? null : costs.reduce((t: number, c) => t + (c ?? 0), 0),
    wallMs: Math.round(sum((s) => s.wallMs)),
  };
}

/**
 * Opens a compare run in the store: the run row (committed before anything is looked up), each
 * side's candidate, and the cache's link to the run. Both sides' results are linked to it on the
 * compared dataset, each under its side's candidate, so the viewer shows A against B example by example.
 */
export async function beginCompareRun(
  store: Store,
  a: RecordedSide,
  b: RecordedSide,
  info: { dataset: string; concurrency: number; lm: RecordedLm; limit?: number; seed?: number; name?: string },
): Promise<CompareRun> {
  const runId = newRunId();
  const hashA = stateHash(a.program.state);
  const hashB = stateHash(b.program.state);
  const candidates: Record<SideName, string> = { a: hashA, b: hashB === hashA ? `${hashB}-b` : hashB };
  const side = (s: RecordedSide, name: SideName): CompareSideConfig => ({
    ref: s.ref ?? s.label,
    label: s.label,
    ...(s.run ? { run: s.run } : {}),
    candidate: candidates[name],
    program: { name: s.program.spec.name, file: s.program.spec.file, sha256: s.program.spec.sourceHash },
    models: modelsOrNone(s.program),
    lm: s.program.pool.recordedLm(),
    modules: Object.fromEntries(s.program.spec.steps.map((step) => [step.name, step.module])),
  });
  const config: CompareRunConfig = {
    a: side(a, "a"),
    b: side(b, "b"),
    dataset: info.dataset,
    ...(info.limit !== undefined ? { limit: info.limit } : {}),
    ...(info.seed !== undefined ? { seed: info.seed } : {}),
    concurrency: info.concurrency,
    lm: info.lm,
  };
  const [sa, sb] = [a.program.spec, b.program.spec];
  // The row's program is A's (a compare run is never loaded from it: resume, export and `run:candidate` refuse it); both are in the config.
  store.runs.create({
    id: runId,
    kind: "compare",
    ...(info.name ? { name: info.name } : {}),
    programName: sa.name === sb.name ? sa.name : `${sa.name} vs ${sb.name}`,
    programFile: sa.file,
    programHash: sa.sourceHash === sb.sourceHash ? sa.sourceHash : sha256(`${sa.sourceHash}\n${sb.sourceHash}`),
    programSource: sa.sourceText,
    ...(info.seed !== undefined ? { seed: info.seed } : {}),
    config,
  });
  store.runs.addCandidate(runId, { hash: candidates.a, state: a.program.state, origin: "A" });
  store.runs.addCandidate(runId, { hash: candidates.b, state: b.program.state, origin: "B" });
  a.program.pool.linkCacheTo(runId);
  b.program.pool.linkCacheTo(runId);
  const programs: Record<SideName, Program> = { a: a.program, b: b.program };
  let finished = false;
  const finish = ({ result, error, sides }: CompareRunOutcome): void => {
    if (finished) return;
    finished = true;
    const interrupted = isInterruption(error);
    const status: RunStatus = interrupted ? "interrupted" : error || !result ? "failed" : "done";
    const better = result ? (result.meanB >= result.meanA ? "b" : "a") : undefined;
    store.runs.update(runId, {
      status,
      finished: true,
      ...(error && !interrupted ? { error: failureText(error) } : {}),
      ...(sides.length > 0 || result ? { totals: { ...compareTotals(sides, result?.n), ...(result ? { compare: compareSummary(result) } : {}) } } : {}),
      ...(result && better ? { bestCandidate: candidates[better], bestScore: better === "b" ? result.meanB : result.meanA } : {}),
    });
    if (result) {
      const [lo, hi] = result.diffCi95;
      store.runs.addEvent(runId, "compared", { summary: `B − A ${signed(result.diff)}, 95% CI [${signed(lo)}, ${signed(hi)}] over ${result.n} examples; ${result.improved.length} improved, ${result.regressed.length} regressed` });
    }
  };
  return {
    runId,
    candidates,
    expect(results) {
      if (!finished) store.runs.update(runId, { totals: { expected: results } });
    },
    finish,
    async memoFor(name, dataset) {
      const program = programs[name];
      try {
        return storeMemo({
          evaluations: store.evaluations,
          // Resolving each step's model: a missing API key fails here, and the run is marked failed with it.
          fingerprints: await fingerprints(program),
          candidate: stateHash(program.state),
          link: { runId, dataset, candidate: candidates[name] },
        });
      } catch (err) {
        finish({ error: err, sides: [] });
        throw err;
      }
    },
  };
}

/** The side's models; none when they cannot be resolved yet (a missing API key: the run then fails with that error, from its memo). */
function modelsOrNone(program: Program): string[] {
  try {
    return modelsOf(program);
  } catch {
    return [];
  }
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`;
}
