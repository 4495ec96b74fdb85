import type { CallOptions, LMClient, LMRequest, LMResponse } from "../types.js";
import { simAnswer } from "./answer.js";
import { formatCompletion } from "./format.js";
import { estimateUsage } from "../tokens.js";

export interface SimOptions {
  /** Artificial delay before each answer, in milliseconds (for benchmarks). */
  latencyMs?: number;
}

/**
 * The built-in offline model: a small lexical in-context learner that answers from the structured
 * view of a call (`meta`), never from the messages. Free, deterministic, and better with better
 * prompts. It is not an LLM.
 */
export class SimClient implements LMClient {
  readonly id = "sim";
  readonly provider = "sim";
  readonly model = "sim";
  readonly structuredOutput = true;
  /** Agent steps on sim use the text protocol (sim reads `meta`, not `tools`). */
  readonly toolCalling = false;
  private readonly latencyMs: number;

  constructor(options: SimOptions = {}) {
    const latency = options.latencyMs ?? 0;
    if (!Number.isFinite(latency) || latency < 0) throw new Error(`sim: latency must be a non-negative number of milliseconds, got ${latency}`);
    this.latencyMs = latency;
  }

  async complete(request: LMRequest, options: CallOptions = {}): Promise<LMResponse> {
    const started = performance.now();
    options.signal?.throwIfAborted();
    if (this.latencyMs > 0) await delay(this.latencyMs, options.signal);
    const text = formatCompletion(request.meta.signature, simAnswer(request), request.meta.adapter);
    return {
      text,
      usage: estimateUsage(request, text),
      costUsd: 0,
      cached: false,
      latencyMs: performance.now() - started,
      model: "sim",
    };
  }
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Options written after `?` in a sim model string: `sim?latency=20ms` → `{ latencyMs: 20 }`.
 * Accepts the query alone (`latency=1s`), with its `?`, or the whole model string. Durations are
 * `20ms`, `1s`, `1.5s` or a bare number of milliseconds.
 */
export function parseSimOptions(query: string): SimOptions {
  const q = query.includes("?") ? query.slice(query.indexOf("?") + 1) : query;
  const options: SimOptions = {};
  for (const pair of q.split("&")) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const value = eq < 0 ? "" : pair.slice(eq + 1).trim();
    if (key !== "latency") throw new Error(`unknown option "${key}" (known options: latency, e.g. sim?latency=20ms)`);
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(value);
    if (!m) throw new Error(`bad latency "${value}" (expected a duration such as 20ms, 1s or 20)`);
    options.latencyMs = Number(m[1]) * (m[2]?.toLowerCase() === "s" ? 1000 : 1);
  }
  return options;
}
