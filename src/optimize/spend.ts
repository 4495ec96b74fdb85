import { z } from "zod";
import { addCost } from "../lm/pricing.js";
import { addUsage, ZERO_USAGE, type LMResponse, type Usage } from "../lm/types.js";

/** Tokens and USD (null once some call's price was unknown). */
export interface Spent {
  tokens: Usage;
  costUsd: number | null;
}

/** What one process sent and paid (an optimize report's `thisProcess`). */
export interface PaidHere extends Spent {
  /** Requests sent to providers, retries included (none for `sim`). */
  requests: number;
  /** LM calls a model answered and charged for. */
  calls: number;
  /** LM calls answered by the cache (nothing sent). */
  cachedCalls: number;
  /** (Candidate, example) evaluations reused from the store (nothing sent). */
  storedResults: number;
  /** Tool calls of agent steps, and those answered from the store; absent for programs without tools. */
  toolCalls?: number;
  replayedToolCalls?: number;
}

const NOTHING: Spent = { tokens: ZERO_USAGE, costUsd: 0 };

/** The spend a run's totals record (older runs recorded no cached tokens). */
const recordedSpend = z.object({
  promptTokens: z.number().default(0),
  completionTokens: z.number().default(0),
  cachedTokens: z.number().default(0),
  costUsd: z.number().nullable().default(0),
});

/**
 * What a run's LM calls cost, as the models charged them: over every session of the run, and in
 * this process alone. Each paid call is counted when it completes (MeteredClient) and the run's
 * total is written to its totals in the same turn, so in the same transaction as the call's cache
 * entry: whatever a killed process paid for stays counted, and a resumed run, answered from the
 * cache and the store, adds only what it pays for itself. The run's total is what an uninterrupted
 * run reports; a request that was in flight when a process died is sent again and paid again (only
 * this process's figure shows it).
 */
export class Spend {
  private run: Spent;
  private mine: Spent = NOTHING;
  /** This process: LM calls the models answered, those the LM cache answered, results the store had. */
  private here = { paidCalls: 0, cachedCalls: 0, storedResults: 0, toolCalls: 0, replayedToolCalls: 0 };
  private listener: ((run: Spent) => void) | undefined;
  private pending = false;

  /** `recorded`: the run's totals as stored (a resumed run's spend so far). */
  constructor(recorded: unknown = {}) {
    const r = recordedSpend.safeParse(recorded);
    const s = r.success ? r.data : recordedSpend.parse({});
    this.run = { tokens: { promptTokens: s.promptTokens, completionTokens: s.completionTokens, cachedTokens: s.cachedTokens }, costUsd: s.costUsd };
  }

  /** Counts a paid call (the listener given to the LM pool). */
  readonly paid = (response: LMResponse): void => {
    this.run = plus(this.run, response);
    this.mine = plus(this.mine, response);
    this.here.paidCalls++;
    // Once per burst of completions, before the store's writer sends what this turn queued.
    if (this.listener && !this.pending) {
      this.pending = true;
      queueMicrotask(() => {
        this.pending = false;
        this.listener?.(this.run);
      });
    }
  };

  /** Starts telling `listener` the run's spend after every paid call (the session records it). */
  record(listener: (run: Spent) => void): void {
    this.listener = listener;
  }

  /** Over every session of the run. */
  get total(): Spent {
    return this.run;
  }

  /** In this process. */
  get thisProcess(): Spent {
    return this.mine;
  }

  /** Counts a call the LM cache answered (the listener given to the LM pool for cache hits). */
  readonly cached = (): void => {
    this.here.cachedCalls++;
  };

  /** Counts an evaluation: one reused from the store sent nothing; the tool calls of one computed now. */
  noteResult(result: { memoized?: boolean; toolCalls?: number; replayedToolCalls?: number }): void {
    if (result.memoized) this.here.storedResults++;
    this.here.toolCalls += result.toolCalls ?? 0;
    this.here.replayedToolCalls += result.replayedToolCalls ?? 0;
  }

  /**
   * What this process sent and paid, beside the budget's nominal count: `requests` (provider
   * requests, retries included, from the pool's schedulers) as given, LM calls answered by the
   * models, by the cache, and evaluations reused from the store.
   */
  paidHere(requests: number): PaidHere {
    const { toolCalls, replayedToolCalls } = this.here;
    return {
      ...this.mine,
      requests,
      calls: this.here.paidCalls,
      cachedCalls: this.here.cachedCalls,
      storedResults: this.here.storedResults,
      ...(toolCalls + replayedToolCalls > 0 ? { toolCalls, replayedToolCalls } : {}),
    };
  }
}

function plus(s: Spent, r: LMResponse): Spent {
  return { tokens: addUsage(s.tokens, r.usage), costUsd: addCost(s.costUsd, r.costUsd) };
}
