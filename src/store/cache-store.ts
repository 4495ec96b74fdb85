import type Database from "better-sqlite3";
import { z } from "zod";
import { readStoredJson } from "./stored-json.js";
import type { Writer } from "./writer.js";

/** A tool call the model answered with (the LM layer's ToolCall: its id, the tool's name, the arguments as JSON text). */
export interface CachedToolCall {
  id: string;
  name: string;
  arguments: string;
}

const toolCallsSchema = z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() }));

/** A cached LM response: what the provider answered and what that answer cost the first time. */
export interface CachedResponse {
  provider: string;
  model: string;
  text: string;
  responseModel: string;
  /** Tokens, as the LM layer counts them (its `Usage`). */
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number };
  costUsd: number | null;
  latencyMs: number;
  createdAt: number;
  /** The tools the model called (native tool calling); absent when it called none. */
  toolCalls?: CachedToolCall[];
}

/** What the LM cache asks of the store: the CacheStore itself, or a run's view of it (`forRun`). */
export interface ResponseCache {
  get(key: string): CachedResponse | undefined;
  put(key: string, entry: CachedResponse): void;
  /** The completion cached under `key` could not be read by the call that asked for it: marked, for `dspx cache clear --failed`. */
  markUnreadable(key: string, reason: string): void;
  /** A run's view: links the entries used from now on to `runId`. */
  link?(runId: string): void;
}

/** Which entries `clear` deletes: those matching every condition given (all entries when none is). */
export interface ClearFilter {
  /** Created before this time (ms since the epoch). */
  before?: number;
  /** Read or written by this run's calls. */
  runId?: string;
  /** Whose completion could not be read. */
  unreadable?: boolean;
}

export interface CacheStats {
  entries: number;
  hits: number;
  /** Entries whose completion could not be read by the call that asked for it. */
  unreadable: number;
  /** What the cached calls cost when first made (null when some price was unknown). */
  storedCostUsd: number | null;
  /** What the hits would have cost without the cache. */
  savedUsd: number | null;
  byModel: { provider: string; model: string; entries: number; hits: number }[];
  oldest?: number;
  newest?: number;
}

interface Row {
  provider: string;
  model: string;
  response: string;
  response_model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_usd: number | null;
  latency_ms: number;
  created_at: number;
  tool_calls: string | null;
}

/**
 * The `lm_cache` table: one row per request key (the 32 bytes of its sha256). Errors are never
 * stored. Lookups read on this thread; new rows and hit counts go to the writer thread, and rows
 * not yet committed stay visible to `get` from memory until they are.
 */
export class CacheStore implements ResponseCache {
  private readonly getStmt: Database.Statement<[Buffer], Row>;
  private readonly pending = new Map<string, CachedResponse>();

  /** @internal Made by `Store.open`; the driver stays out of the published types. */
  constructor(
    private readonly db: Database.Database,
    private readonly writer: Writer,
  ) {
    this.getStmt = db.prepare(
      "SELECT provider, model, response, response_model, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms, created_at, tool_calls FROM lm_cache WHERE key = ?",
    );
  }

  /** The cached response for a key (counting the hit), or undefined (also when its tool calls cannot be read: asked again). */
  get(key: string): CachedResponse | undefined {
    const entry = this.pending.get(key) ?? rowToEntry(this.getStmt.get(Buffer.from(key, "hex")));
    if (entry) this.writer.write({ name: "cache.hit", params: { key, at: Date.now() } });
    return entry;
  }

  put(key: string, entry: CachedResponse): void {
    this.pending.set(key, entry);
    this.writer.write(
      {
        name: "cache.put",
        params: {
          key,
          provider: entry.provider,
          model: entry.model,
          response: entry.text,
          responseModel: entry.responseModel,
          promptTokens: entry.usage.promptTokens,
          completionTokens: entry.usage.completionTokens,
          cachedTokens: entry.usage.cachedTokens,
          costUsd: entry.costUsd,
          latencyMs: entry.latencyMs,
          createdAt: entry.createdAt,
          toolCalls: entry.toolCalls && entry.toolCalls.length > 0 ? JSON.stringify(entry.toolCalls) : null,
        },
      },
      () => this.pending.delete(key),
    );
  }

  markUnreadable(key: string, reason: string): void {
    this.writer.write({ name: "cache.unreadable", params: { key, error: reason } });
  }

  /**
   * The cache as one run's calls see it: the same entries, each one they read or write linked to the
   * run (named now, or later with `link` — an eval run is opened after its program is loaded).
   */
  forRun(runId?: string): RunCache {
    return new RunCache(this, (key, run) => this.writer.write({ name: "cache.use", params: { runId: run, key } }), runId);
  }

  async stats(): Promise<CacheStats> {
    await this.writer.flush();
    const totals = this.db
      .prepare(
        `SELECT COUNT(*) AS entries, COALESCE(SUM(hits), 0) AS hits, MIN(created_at) AS oldest, MAX(created_at) AS newest,
                SUM(cost_usd) AS stored, SUM(cost_usd * hits) AS saved, SUM(cost_usd IS NULL) AS unknown, COALESCE(SUM(parse_error IS NOT NULL), 0) AS unreadable
         FROM lm_cache`,
      )
      .get() as { entries: number; hits: number; unreadable: number; oldest: number | null; newest: number | null; stored: number | null; saved: number | null; unknown: number | null };
    const byModel = this.db
      .prepare("SELECT provider, model, COUNT(*) AS entries, COALESCE(SUM(hits), 0) AS hits FROM lm_cache GROUP BY provider, model ORDER BY entries DESC")
      .all() as CacheStats["byModel"];
    const unknown = (totals.unknown ?? 0) > 0;
    return {
      entries: totals.entries,
      hits: totals.hits,
      unreadable: totals.unreadable,
      storedCostUsd: unknown ? null : (totals.stored ?? 0),
      savedUsd: unknown ? null : (totals.saved ?? 0),
      byModel,
      ...(totals.oldest !== null ? { oldest: totals.oldest } : {}),
      ...(totals.newest !== null ? { newest: totals.newest } : {}),
    };
  }

  /** Deletes the entries matching `filter` (and their links to runs); returns how many. */
  async clear(filter: ClearFilter = {}): Promise<number> {
    await this.writer.flush();
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.before !== undefined) {
      where.push("created_at < @before");
      params.before = filter.before;
    }
    if (filter.unreadable) where.push("parse_error IS NOT NULL");
    if (filter.runId !== undefined) {
      where.push("key IN (SELECT key FROM lm_cache_uses WHERE run_id = @runId)");
      params.runId = filter.runId;
    }
    const remove = this.db.transaction(() => {
      if (where.length === 0) {
        this.db.prepare("DELETE FROM lm_cache_uses").run();
        return this.db.prepare("DELETE FROM lm_cache").run().changes;
      }
      const statement = this.db.prepare(`DELETE FROM lm_cache WHERE ${where.join(" AND ")}`);
      const removed = (Object.keys(params).length > 0 ? statement.run(params) : statement.run()).changes;
      if (removed > 0) this.db.prepare("DELETE FROM lm_cache_uses WHERE key NOT IN (SELECT key FROM lm_cache)").run();
      return removed;
    });
    return remove.immediate();
  }
}

/** A run's view of the cache (see `CacheStore.forRun`). */
export class RunCache implements ResponseCache {
  constructor(
    private readonly cache: ResponseCache,
    private readonly use: (key: string, runId: string) => void,
    private runId?: string,
  ) {}

  /** Links the calls from now on to `runId`. */
  link(runId: string): void {
    this.runId = runId;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.cache.get(key);
    if (entry && this.runId !== undefined) this.use(key, this.runId);
    return entry;
  }

  put(key: string, entry: CachedResponse): void {
    this.cache.put(key, entry);
    if (this.runId !== undefined) this.use(key, this.runId);
  }

  markUnreadable(key: string, reason: string): void {
    this.cache.markUnreadable(key, reason);
  }
}

function rowToEntry(row: Row | undefined): CachedResponse | undefined {
  if (!row) return undefined;
  let toolCalls: CachedToolCall[] | undefined;
  if (row.tool_calls !== null) {
    const read = readStoredJson(row.tool_calls, toolCallsSchema);
    // A damaged entry is not an answer: the call is made again.
    if (!read.ok) return undefined;
    toolCalls = read.value;
  }
  const entry: CachedResponse = {
    provider: row.provider,
    model: row.model,
    text: row.response,
    responseModel: row.response_model,
    usage: { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens, cachedTokens: row.cached_tokens },
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    createdAt: row.created_at,
  };
  if (toolCalls) entry.toolCalls = toolCalls;
  return entry;
}
