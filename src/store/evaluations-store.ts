import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
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

interface DbEvaluation {
  id: string;
  score: number;
  feedback: string | null;
  outputs: string | null;
  error: string | null;
  trace: string;
  usage: string;
  cost_usd: number | null;
  nominal_cost_usd: number | null;
  calls: number;
  cached_calls: number;
  latency_ms: number;
}

function fromDb(r: DbEvaluation): EvaluationRow {
  const row: EvaluationRow = {
    score: r.score,
    trace: JSON.parse(r.trace) as unknown[],
    usage: JSON.parse(r.usage) as EvaluationRow["usage"],
    costUsd: r.cost_usd,
    nominalCostUsd: r.nominal_cost_usd,
    calls: r.calls,
    cachedCalls: r.cached_calls,
    latencyMs: r.latency_ms,
  };
  if (r.feedback !== null) row.feedback = r.feedback;
  if (r.outputs !== null) row.outputs = JSON.parse(r.outputs) as Record<string, unknown>;
  if (r.error !== null) row.error = JSON.parse(r.error) as EvaluationRow["error"];
  return row;
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
  private readonly lookupStmt: Database.Statement<[string], DbEvaluation & { id: string }>;
  /** Keys of error-free evaluations written but not yet committed, with their ids. */
  private readonly pending = new Map<string, string>();

  /** @internal Made by `Store.open`; the driver stays out of the published types. */
  constructor(
    private readonly db: Database.Database,
    private readonly writer: Writer,
  ) {
    this.lookupStmt = db.prepare(
      "SELECT id, score, feedback, outputs, error, trace, usage, cost_usd, nominal_cost_usd, calls, cached_calls, latency_ms FROM evaluations WHERE key = ? AND error IS NULL ORDER BY created_at DESC LIMIT 1",
    );
  }

  /** The latest committed error-free evaluation under `key`; when one is still being written, once it is committed. */
  lookup(key: string): { id: string; row: EvaluationRow } | undefined | Promise<{ id: string; row: EvaluationRow } | undefined> {
    if (this.pending.has(key)) return this.writer.flush().then(() => this.committed(key));
    return this.committed(key);
  }

  private committed(key: string): { id: string; row: EvaluationRow } | undefined {
    const found = this.lookupStmt.get(key);
    return found && { id: found.id, row: fromDb(found) };
  }

  /** Stores a new evaluation; returns its id. */
  add(key: string, candidate: string, exampleId: string, row: EvaluationRow): string {
    const id = randomUUID();
    if (!row.error) this.pending.set(key, id);
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
        `SELECT r.candidate, r.dataset, r.example_id, r.idx, r.memoized, r.at, e.id, e.score, e.feedback, e.outputs, e.error, e.trace, e.usage, e.cost_usd, e.nominal_cost_usd, e.calls, e.cached_calls, e.latency_ms
         FROM run_results r JOIN evaluations e ON e.id = r.eval_id
         WHERE r.run_id = @runId AND (@candidate IS NULL OR r.candidate = @candidate) AND (@dataset IS NULL OR r.dataset = @dataset)
         ORDER BY r.candidate, r.dataset, r.idx`,
      )
      .all({ runId, candidate: filter.candidate ?? null, dataset: filter.dataset ?? null }) as (DbEvaluation & {
      candidate: string;
      dataset: string;
      example_id: string;
      idx: number;
      memoized: number;
      at: number;
    })[];
    return rows.map((r) => ({
      ...fromDb(r),
      evalId: r.id,
      candidate: r.candidate,
      dataset: r.dataset,
      exampleId: r.example_id,
      idx: r.idx,
      memoized: r.memoized === 1,
      at: r.at,
    }));
  }
}
