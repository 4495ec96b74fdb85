/**
 * Every write the store makes, by name: the writer thread prepares these, the main thread sends
 * (name, params) pairs. One list, so both sides agree on what a name means. Params cross threads by
 * structured clone, so binary values travel as hex text (`unhex()` in SQL): a small Buffer is a view
 * of a shared 8 KB pool, and cloning it would copy the whole pool.
 */
export const WRITE_STATEMENTS = {
  "cache.put": `INSERT OR IGNORE INTO lm_cache (key, provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at)
                VALUES (unhex(@key), @provider, @model, @response, @responseModel, @promptTokens, @completionTokens, @cachedTokens, @costUsd, @latencyMs, @createdAt)`,
  "cache.hit": `UPDATE lm_cache SET hits = hits + 1, last_hit_at = @at WHERE key = unhex(@key)`,
} as const;

export type WriteName = keyof typeof WRITE_STATEMENTS;

export interface WriteOp {
  name: WriteName;
  params: Record<string, unknown>;
}

/** Messages between the main thread and the writer thread. */
export type ToWriter = { type: "batch"; id: number; ops: WriteOp[] } | { type: "close"; id: number };
export type FromWriter = { type: "done"; id: number } | { type: "error"; id: number; message: string; code?: string };
