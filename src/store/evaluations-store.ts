import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { z } from "zod";
import type { Blob } from "./blobs.js";
import { damagedRun, readStoredJson, readStoredRow, type StoredJson } from "./stored-json.js";
import type { Writer } from "./writer.js";

/** One evaluation as stored: what a candidate did on an example, and what it cost. */
export interface EvaluationRow {
  score: number;
  feedback?: string;
  outputs?: Record<string, unknown>;
  error?: { kind: string; message: string; step?: string; raw?: string };
  trace: unknown[];
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number };
  costUsd: number | null;
  /** The cost when first computed, cache hits at their original price (what budgets count). */
  nominalCostUsd: number | null;
  calls: number;
  cachedCalls: number;
  latencyMs: number;
  /** False: stored without messages, completions or trajectories (--no-traces, or gc dropped them). Default true. */
  traced?: boolean;
  /** The blob of the example scored (inputs and gold), when known. */
  exampleHash?: string;
}

/** A run's result for one example: the evaluation it used, and whether that came from the memo. */
export interface RunResultRow extends EvaluationRow {
  evalId: string;
  candidate: string;
  dataset: string;
  exampleId: string;
  idx: number;
  memoized: boolean;
  at: number;
}

/** The columns `readEvaluation` reads. */
export const EVALUATION_COLUMNS = "id, score, feedback, outputs, error, trace, usage, cost_usd, nominal_cost_usd, calls, cached_calls, latency_ms, traced, example_hash";

/** An `evaluations` row as SQLite returns it; its JSON columns are read apart (see readEvaluation). */
const dbEvaluationSchema = z.object({
  id: z.string(),
  score: z.number(),
  feedback: z.string().nullable(),
  outputs: z.unknown(),
  error: z.unknown(),
  trace: z.unknown(),
  usage: z.unknown(),
  cost_usd: z.number().nullable(),
  nominal_cost_usd: z.number().nullable(),
  calls: z.number(),
  cached_calls: z.number(),
  latency_ms: z.number(),
  traced: z.number(),
  example_hash: z.string().nullable(),
});
const resultLinkSchema = z.object({ candidate: z.string(), dataset: z.string(), example_id: z.string(), idx: z.number(), memoized: z.number(), at: z.number() });
const traceSchema = z.array(z.unknown());
const usageSchema = z.object({ promptTokens: z.number(), completionTokens: z.number(), cachedTokens: z.number() });
const outputsSchema = z.record(z.string(), z.unknown());
const errorSchema = z.looseObject({ kind: z.string(), message: z.string(), step: z.string().optional(), raw: z.string().optional() });

/** A stored evaluation (with its id), or what makes it unreadable. */
export function readEvaluation(raw: unknown): StoredJson<{ id: string; row: EvaluationRow }> {
  const read = readStoredRow(raw, dbEvaluationSchema);
  if (!read.ok) return read;
  const r = read.value;
  const trace = readStoredJson(r.trace, traceSchema);
  if (!trace.ok) return { ok: false, problem: `\`trace\` ${trace.problem}` };
  const usage = readStoredJson(r.usage, usageSchema);
  if (!usage.ok) return { ok: false, problem: `\`usage\` ${usage.problem}` };
  const row: EvaluationRow = {
    score: r.score,
    trace: trace.value,
    usage: usage.value,
    costUsd: r.cost_usd,
    nominalCostUsd: r.nominal_cost_usd,
    calls: r.calls,
    cachedCalls: r.cached_calls,
    latencyMs: r.latency_ms,
    traced: r.traced === 1,
  };
  if (r.example_hash !== null) row.exampleHash = r.example_hash;
  if (r.feedback !== null) row.feedback = r.feedback;
  if (r.outputs !== null) {
    const outputs = readStoredJson(r.outputs, outputsSchema);
    if (!outputs.ok) return { ok: false, problem: `\`outputs\` ${outputs.problem}` };
    row.outputs = outputs.value;
  }
  if (r.error !== null) {
    const error = readStoredJson(r.error, errorSchema);
    if (!error.ok) return { ok: false, problem: `\`error\` ${error.problem}` };
    row.error = error.value;
  }
  return { ok: true, value: { id: r.id, row } };
}

/**
 * Evaluations (append-only) and the runs' links to them. `lookup` is the memo: the latest
 * error-free evaluation made under a key (candidate × example × metric × program × models), so a
 * re-run, a compare or an export costs nothing. A key whose evaluation is not yet committed is
 * `pending`: its lookup waits for the commit (rare: an example scored twice in a moment). Nothing
 * of the row is kept here meanwhile — under a busy writer whatever waits for its commit outlives
 * the young generation, and the garbage collector then lets the heap grow far past what is live.
 */
export class EvaluationsStore {
  private readonly lookupStmt: Database.Statement<[{ key: string; traced: number }], unknown>;
  /** Keys of error-free evaluations written but not yet committed, with their ids. */
  private readonly pending = new Map<string, string>();

  /** @internal Made by `Store.open`; the driver stays out of the published types. */
  constructor(
    private readonly db: Database.Database,
    private readonly writer: Writer,
    /** The database file, named when a run's result cannot be read. */
    private readonly file: string,
  ) {
    this.lookupStmt = db.prepare(
      `SELECT ${EVALUATION_COLUMNS} FROM evaluations WHERE key = @key AND error IS NULL AND traced >= @traced ORDER BY traced DESC, created_at DESC LIMIT 1`,
    );
  }

  /**
   * The latest committed error-free evaluation under `key`, once committed when one is still being
   * written; a damaged row is no answer (the example is evaluated again, and the new row serves next time).
   * One stored with its traces is preferred; `traced`: only such a one (what an optimizer keeping
   * traces reads back must be what it would have made, trajectories included, so that a resumed run
   * decides as an uninterrupted one).
   */
  lookup(key: string, options: { traced?: boolean } = {}): { id: string; row: EvaluationRow } | undefined | Promise<{ id: string; row: EvaluationRow } | undefined> {
    const traced = options.traced === true ? 1 : 0;
    if (this.pending.has(key)) return this.writer.flush().then(() => this.committed(key, traced));
    return this.committed(key, traced);
  }

  private committed(key: string, traced: number): { id: string; row: EvaluationRow } | undefined {
    const found = this.lookupStmt.get({ key, traced });
    if (found === undefined) return undefined;
    const read = readEvaluation(found);
    return read.ok ? read.value : undefined;
  }

  /**
   * Stores a new evaluation, and the blobs its trace and example name (before it: a reader never
   * meets a hash whose blob is not there yet); returns its id.
   */
  add(key: string, candidate: string, exampleId: string, row: EvaluationRow, blobs: readonly Blob[] = []): string {
    const id = randomUUID();
    if (!row.error) this.pending.set(key, id);
    for (const blob of blobs) this.writer.write({ name: "blob.put", params: { hash: blob.hash, content: blob.content } });
    this.writer.write(
      {
        name: "evaluation.add",
        params: {
          id,
          key,
          candidate,
          exampleId,
          score: row.score,
          feedback: row.feedback ?? null,
          outputs: row.outputs === undefined ? null : JSON.stringify(row.outputs),
          error: row.error === undefined ? null : JSON.stringify(row.error),
          trace: JSON.stringify(row.trace),
          usage: JSON.stringify(row.usage),
          costUsd: row.costUsd,
          nominalCostUsd: row.nominalCostUsd,
          calls: row.calls,
          cachedCalls: row.cachedCalls,
          latencyMs: row.latencyMs,
          traced: row.traced === false ? 0 : 1,
          exampleHash: row.exampleHash ?? null,
          at: Date.now(),
        },
      },
      () => {
        if (this.pending.get(key) === id) this.pending.delete(key);
      },
    );
    return id;
  }

  /** Backpressure for whoever adds evaluations: see `Writer.room`. */
  room(): Promise<void> | undefined {
    return this.writer.room();
  }

  /** Records that a run used an evaluation for an example of a dataset. */
  link(link: { runId: string; candidate: string; dataset: string; exampleId: string; idx: number; evalId: string; memoized: boolean }): void {
    this.writer.write({ name: "result.link", params: { ...link, memoized: link.memoized ? 1 : 0, at: Date.now() } });
  }

  /** A run's results, in dataset order, optionally for one candidate and/or dataset. */
  results(runId: string, filter: { candidate?: string; dataset?: string } = {}): RunResultRow[] {
    const rows = this.db
      .prepare(
        `SELECT r.candidate, r.dataset, r.example_id, r.idx, r.memoized, r.at, ${EVALUATION_COLUMNS.replace(/(^|, )/g, "$1e.")}
         FROM run_results r JOIN evaluations e ON e.id = r.eval_id
         WHERE r.run_id = @runId AND (@candidate IS NULL OR r.candidate = @candidate) AND (@dataset IS NULL OR r.dataset = @dataset)
         ORDER BY r.candidate, r.dataset, r.idx`,
      )
      .all({ runId, candidate: filter.candidate ?? null, dataset: filter.dataset ?? null });
    return rows.map((raw) => {
      const fail = (problem: string) => damagedRun(this.file, runId, `its result for example ${String((raw as { example_id?: unknown }).example_id ?? "?")} ${problem}`);
      const link = readStoredRow(raw, resultLinkSchema);
      if (!link.ok) throw fail(link.problem);
      const evaluation = readEvaluation(raw);
      if (!evaluation.ok) throw fail(evaluation.problem);
      const r = link.value;
      return {
        ...evaluation.value.row,
        evalId: evaluation.value.id,
        candidate: r.candidate,
        dataset: r.dataset,
        exampleId: r.example_id,
        idx: r.idx,
        memoized: r.memoized === 1,
        at: r.at,
      };
    });
  }
}
