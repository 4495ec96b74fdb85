/**
 * Every write the store makes, by name: the writer thread prepares these, the main thread sends
 * (name, params) pairs. One list, so both sides agree on what a name means. Params cross threads by
 * structured clone, so binary values travel as hex text (`unhex()` in SQL): a small Buffer is a view
 * of a shared 8 KB pool, and cloning it would copy the whole pool.
 */
export const WRITE_STATEMENTS = {
  "cache.put": `INSERT OR IGNORE INTO lm_cache (key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at, tool_calls)
                VALUES (unhex(@key), @provider, @model, @response, @responseModel, @promptTokens, @completionTokens, @cachedTokens, @costUsd, @latencyMs, @createdAt, @toolCalls)`,
  "cache.hit": `UPDATE lm_cache SET hits = hits + 1, last_hit_at = @at WHERE key = unhex(@key)`,
  "cache.unreadable": `UPDATE lm_cache SET parse_error = @error WHERE key = unhex(@key)`,
  "cache.use": `INSERT OR IGNORE INTO lm_cache_uses (run_id, key) VALUES (@runId, unhex(@key))`,
  "tool.put": `INSERT OR IGNORE INTO tool_results (key, identity, args, result, latency_ms, created_at)
               VALUES (unhex(@key), @identity, @args, @result, @latencyMs, @createdAt)`,
  "run.create": `INSERT INTO runs (id, kind, name, program_name, program_file, program_hash, program_source, config, seed, status, pid, started_at, updated_at)
                 VALUES (@id, @kind, @name, @programName, @programFile, @programHash, @programSource, @config, @seed, 'running', @pid, @at, @at)`,
  "run.update": `UPDATE runs SET status = COALESCE(@status, status), error = COALESCE(@error, error), best_candidate = COALESCE(@bestCandidate, best_candidate),
                 best_score = COALESCE(@bestScore, best_score), totals = COALESCE(@totals, totals), pid = COALESCE(@pid, pid),
                 finished_at = COALESCE(@finishedAt, finished_at), updated_at = @at WHERE id = @id`,
  "run.spend": `UPDATE runs SET totals = json_set(totals, '$.promptTokens', @promptTokens, '$.completionTokens', @completionTokens, '$.cachedTokens', @cachedTokens, '$.costUsd', @costUsd),
                updated_at = @at WHERE id = @id`,
  "candidate.add": `INSERT OR IGNORE INTO candidates (run_id, hash, seq, state, parents, origin, created_at)
                    VALUES (@runId, @hash, @seq, @state, @parents, @origin, @at)`,
  "evaluation.add": `INSERT INTO evaluations (id, key, candidate, example_id, score, feedback, outputs, error, trace, usage, cost_usd, nominal_cost_usd, calls, cached_calls, latency_ms, traced, example_hash, created_at)
                     VALUES (@id, @key, @candidate, @exampleId, @score, @feedback, @outputs, @error, @trace, @usage, @costUsd, @nominalCostUsd, @calls, @cachedCalls, @latencyMs, @traced, @exampleHash, @at)`,
  "blob.put": `INSERT OR IGNORE INTO blobs (hash, content) VALUES (@hash, @content)`,
  "result.link": `INSERT OR REPLACE INTO run_results (run_id, candidate, dataset, example_id, idx, eval_id, memoized, at)
                  VALUES (@runId, @candidate, @dataset, @exampleId, @idx, @evalId, @memoized, @at)`,
  "event.add": `INSERT INTO events (run_id, seq, at, type, data) VALUES (@runId, @seq, @at, @type, @data)`,
  "checkpoint.put": `INSERT INTO checkpoints (run_id, step, state, updated_at) VALUES (@runId, @step, @state, @at)
                     ON CONFLICT (run_id) DO UPDATE SET step = excluded.step, state = excluded.state, updated_at = excluded.updated_at`,
} as const;

export type WriteName = keyof typeof WRITE_STATEMENTS;

export interface WriteOp {
  name: WriteName;
  params: Record<string, unknown>;
}

/** Messages between the main thread and the writer thread. */
export type ToWriter = { type: "batch"; id: number; ops: WriteOp[] } | { type: "close"; id: number };
export type FromWriter = { type: "done"; id: number } | { type: "error"; id: number; message: string; code?: string };
