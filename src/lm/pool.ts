import { UserError } from "../util/errors.js";
import type { LMConfig } from "../program/types.js";
import type { ResponseCache } from "../store/cache-store.js";
import type { RecordedLm } from "../store/run-config.js";
import { CachedClient } from "./cache.js";
import { MeteredClient, type PaidCallListener } from "./metered.js";
import { listedPrices, type Prices } from "./pricing.js";
import { AnthropicProvider } from "./providers/anthropic.js";
import { OpenAIProvider } from "./providers/openai.js";
import type { ProviderClient } from "./providers/types.js";
import { publicEndpoint, resolveEndpoint } from "./resolve.js";
import { ScheduledClient } from "./scheduled.js";
import { fallbackModel, recordLm, replayedLm, type LmSettings } from "./settings.js";
import { Scheduler } from "./scheduler/scheduler.js";
import type { Clock, SchedulerStats } from "./scheduler/types.js";
import { parseSimOptions, SimClient } from "./sim/client.js";
import { parseModelSpec, type ModelSpec } from "./spec.js";
import type { LMClient } from "./types.js";

/** What a pool is wired to besides its settings: the program, the environment, the store's cache, listeners. */
export interface PoolWiring {
  /** The program's `lm:` section. */
  programLm?: LMConfig;
  /** Where API keys and *_BASE_URL are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where responses are cached when the settings say so; none → no caching. `sim` is never cached (it costs nothing). */
  cache?: ResponseCache;
  /** Most requests in flight per endpoint (default 64). */
  maxInFlight?: number;
  /** The circuit breaker's consecutive failures and minimum duration (SchedulerOptions; defaults 8 and 3 s). */
  breakerThreshold?: number;
  breakerWindowMs?: number;
  clock?: Clock;
  /**
   * Told once when dspx falls back to `sim`, and once per endpoint that refuses native tool calls
   * (the library never prints).
   */
  onNotice?: (message: string) => void;
  /** Told of every call a model answered (not cache hits), when it completes: what a run meters. */
  onPaidCall?: PaidCallListener;
  /** Told of every call the cache answered (nothing sent): what a run reports it got for free. */
  onCachedCall?: PaidCallListener;
}

/** Live totals over every endpoint, for progress lines. */
export type PoolStats = Pick<SchedulerStats, "requests" | "succeeded" | "rateLimited" | "retries" | "failed" | "inFlight">;

/**
 * Hands out one client per (provider, endpoint, model): everything in a process that talks to the
 * same model shares its scheduler (rate limits, retries, breaker) and its cache.
 */
export class LMPool {
  private readonly clients: Map<string, LMClient>;
  private readonly schedulers: Scheduler[];
  private noticeGiven = false;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cache: ResponseCache | undefined;

  constructor(
    readonly settings: LmSettings,
    private readonly wiring: PoolWiring = {},
    shared?: { clients: Map<string, LMClient>; schedulers: Scheduler[] },
  ) {
    this.env = wiring.env ?? process.env;
    this.cache = settings.cache ? wiring.cache : undefined;
    this.clients = shared?.clients ?? new Map();
    this.schedulers = shared?.schedulers ?? [];
  }

  /**
   * The same pool with every step on `model` (a teacher, a reflection LM): its clients, and so the
   * endpoints' schedulers and the cache, are shared with this pool's.
   */
  withModel(model: string): LMPool {
    return this.derive({ ...this.settings, override: model });
  }

  /** The same pool (its clients, schedulers and cache shared) with other settings, and another environment if given. */
  derive(settings: LmSettings, env?: NodeJS.ProcessEnv): LMPool {
    return new LMPool(settings, env ? { ...this.wiring, env } : this.wiring, { clients: this.clients, schedulers: this.schedulers });
  }

  /** The same pool on the models and endpoints a run was recorded with (see `replayedLm`). */
  replay(recorded: RecordedLm): LMPool {
    const { settings, env } = replayedLm(recorded, this.settings, this.env);
    return this.derive(settings, env);
  }

  /** The settings as a run records them (see `recordLm`). */
  recordedLm(): RecordedLm {
    return recordLm(this.settings, this.env);
  }

  /**
   * The model a call runs on: a judge's own `lm` first; then --lm > DSPX_LM > the step's `lm` >
   * the program's `lm` > a replayed run's default model > an API key in the environment (OpenAI,
   * then Anthropic) > sim, with a notice.
   */
  resolveModel(config?: LMConfig, { forJudge = false } = {}): string {
    if (forJudge && config?.model) return config.model;
    const named = this.settings.override ?? config?.model ?? this.wiring.programLm?.model;
    if (named) return named;
    const fallback = fallbackModel(this.settings, this.env);
    if (fallback !== "sim" || this.settings.defaultModel) return fallback;
    if (!this.noticeGiven) {
      this.noticeGiven = true;
      this.wiring.onNotice?.("no LM configured and no API key found: running on `sim`, dspx's offline model (not an LLM)");
    }
    return "sim";
  }

  clientFor(config?: LMConfig, opts: { forJudge?: boolean } = {}): LMClient {
    const text = this.resolveModel(config, opts);
    let spec: ModelSpec;
    try {
      spec = parseModelSpec(text);
    } catch (err) {
      throw new UserError((err as Error).message);
    }
    if (spec.provider === "sim") return this.simClient(spec);
    const endpoint = resolveEndpoint(spec, config, this.settings, this.env);
    const key = `${spec.provider}|${publicEndpoint(endpoint.baseURL)}|${spec.model}`;
    let client = this.clients.get(key);
    if (!client) {
      const provider = this.provider(spec, endpoint, config);
      const scheduler = new Scheduler({
        name: `${spec.provider}:${spec.model} @ ${publicEndpoint(endpoint.baseURL)}`,
        concurrency: this.wiring.maxInFlight ?? 64,
        rpm: this.settings.rpm ?? config?.rpm ?? this.wiring.programLm?.rpm,
        tpm: this.settings.tpm ?? config?.tpm ?? this.wiring.programLm?.tpm,
        timeoutMs: this.settings.timeoutMs,
        maxAttempts: this.settings.maxAttempts,
        breakerThreshold: this.wiring.breakerThreshold,
        breakerWindowMs: this.wiring.breakerWindowMs,
        clock: this.wiring.clock,
      });
      this.schedulers.push(scheduler);
      const scheduled = new ScheduledClient(provider, scheduler, this.wiring.onNotice);
      client = this.metered(this.cache ? new CachedClient(scheduled, this.cache) : scheduled);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Links the cache entries this pool's calls (and its derived pools') use from now on to a run, for
   * `dspx cache clear --run`; nothing when the cache is not a run's view (`CacheStore.forRun`).
   */
  linkCacheTo(runId: string): void {
    this.cache?.link?.(runId);
  }

  /** Whether calls under this config have a known price (sim and Ollama cost nothing). */
  pricesKnown(config?: LMConfig): boolean {
    const spec = parseModelSpec(this.resolveModel(config));
    return spec.provider === "sim" || this.prices(spec, config) !== undefined;
  }

  stats(): PoolStats {
    const total: PoolStats = { requests: 0, succeeded: 0, rateLimited: 0, retries: 0, failed: 0, inFlight: 0 };
    for (const s of this.schedulers) {
      const x = s.stats();
      total.requests += x.requests;
      total.succeeded += x.succeeded;
      total.rateLimited += x.rateLimited;
      total.retries += x.retries;
      total.failed += x.failed;
      total.inFlight += x.inFlight;
    }
    return total;
  }

  private metered(client: LMClient): LMClient {
    return this.wiring.onPaidCall ? new MeteredClient(client, this.wiring.onPaidCall, this.wiring.onCachedCall) : client;
  }

  private simClient(spec: ModelSpec): LMClient {
    const key = `sim|${JSON.stringify(spec.params)}`;
    let client = this.clients.get(key);
    if (!client) {
      const query = Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join("&");
      try {
        client = this.metered(new SimClient(parseSimOptions(query)));
      } catch (err) {
        throw new UserError(`bad sim option in "${spec.text}": ${(err as Error).message}`);
      }
      this.clients.set(key, client);
    }
    return client;
  }

  private provider(spec: ModelSpec, endpoint: ReturnType<typeof resolveEndpoint>, config: LMConfig | undefined): ProviderClient {
    const prices = this.prices(spec, config);
    if (spec.provider === "anthropic") {
      return new AnthropicProvider({ model: spec.model, apiKey: endpoint.apiKey, baseURL: endpoint.baseURL, prices });
    }
    return new OpenAIProvider({
      provider: spec.provider === "ollama" ? "ollama" : "openai",
      model: spec.model,
      apiKey: endpoint.apiKey,
      baseURL: endpoint.baseURL,
      official: endpoint.official,
      structuredOutput: endpoint.official,
      prices,
    });
  }

  /**
   * The program's prices, else the list price; Ollama runs locally and costs nothing. Any other
   * unlisted model (a vLLM server, a gateway) has an unknown cost until `lm.prices` says otherwise.
   */
  private prices(spec: ModelSpec, config: LMConfig | undefined): Prices | undefined {
    const own = config?.prices ?? this.wiring.programLm?.prices;
    if (own) return own;
    if (spec.provider === "ollama") return { input: 0, output: 0 };
    return listedPrices(spec.provider, spec.model);
  }
}
