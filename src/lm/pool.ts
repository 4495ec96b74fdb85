import { UserError } from "../util/errors.js";
import type { LMConfig } from "../program/types.js";
import type { ResponseCache } from "../store/cache-store.js";
import { CachedClient } from "./cache.js";
import { MeteredClient, type PaidCallListener } from "./metered.js";
import { listedPrices, type Prices } from "./pricing.js";
import { AnthropicProvider } from "./providers/anthropic.js";
import { OpenAIProvider } from "./providers/openai.js";
import type { ProviderClient } from "./providers/types.js";
import { DEFAULT_MODELS, hasCredentials, publicEndpoint, resolveEndpoint } from "./resolve.js";
import { ScheduledClient } from "./scheduled.js";
import { Scheduler } from "./scheduler/scheduler.js";
import type { Clock, SchedulerStats } from "./scheduler/types.js";
import { parseSimOptions, SimClient } from "./sim/client.js";
import { parseModelSpec, type ModelSpec } from "./spec.js";
import type { LMClient } from "./types.js";

/** The environment variables that move a provider's endpoint. */
export const BASE_URL_VARIABLES = ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL"] as const;

/** A run's model choice as its config records it (`LMPool.recordedLm`). */
export interface RecordedLm {
  /** --lm or DSPX_LM: every step ran on this model. */
  override?: string;
  /** With no override: what a step naming no model ran on. */
  defaultModel?: string;
  /** --base-url, without credentials. */
  baseUrl?: string;
  /** The --base-url carried credentials, removed from `baseUrl`: they must be supplied again to replay. */
  baseUrlRedacted?: true;
  /** The *_BASE_URL variables that were set, without credentials (absent: recorded before dspx kept it). */
  env?: Record<string, string>;
}

/**
 * Pool options and environment that evaluate as a recorded run did: its models and endpoints
 * instead of whatever DSPX_LM, *_BASE_URL or the API keys select now (the keys still come from
 * `env`). Runs recorded before this existed carry only `model`, their program-level model.
 */
export function replayLm(recorded: RecordedLm & { model?: string }, env: NodeJS.ProcessEnv = process.env): Pick<LMPoolOptions, "override" | "defaultModel" | "baseUrl" | "env"> {
  const replayEnv: NodeJS.ProcessEnv = { ...env };
  if (recorded.env) {
    delete replayEnv.DSPX_LM;
    for (const name of BASE_URL_VARIABLES) delete replayEnv[name];
    // Recorded without credentials: the variable set now, when it names the same endpoint, keeps them.
    for (const [name, url] of Object.entries(recorded.env)) replayEnv[name] = env[name] && publicEndpoint(env[name]) === url ? env[name] : url;
  } else if (recorded.model && !recorded.override) {
    delete replayEnv.DSPX_LM; // an old eval run: its `model` is what DSPX_LM or the program chose then
  }
  const defaultModel = recorded.override ? undefined : (recorded.defaultModel ?? recorded.model);
  return {
    ...(recorded.override ? { override: recorded.override } : {}),
    ...(defaultModel ? { defaultModel } : {}),
    ...(recorded.baseUrl ? { baseUrl: recorded.baseUrl } : {}),
    env: replayEnv,
  };
}

export interface LMPoolOptions {
  /** `--lm`: runs every step (not judges with their own `lm`) on this model. */
  override?: string;
  /** `--base-url`: where OpenAI-compatible / Anthropic requests go. */
  baseUrl?: string;
  /** `--rpm` / `--tpm`: limits for every endpoint (a program's `lm.rpm`/`lm.tpm` when absent). */
  rpm?: number;
  tpm?: number;
  /** Per-attempt timeout (default 60 s) and attempts per call for transient failures (default 5). */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Most requests in flight per endpoint (default 64). */
  maxInFlight?: number;
  /** The circuit breaker's consecutive failures and minimum duration (SchedulerOptions; defaults 8 and 3 s). */
  breakerThreshold?: number;
  breakerWindowMs?: number;
  /** The program's `lm:` section. */
  programLm?: LMConfig;
  /**
   * What a step naming no model runs on, instead of an API key's default model or `sim`: a recorded
   * run's choice, replayed (see `recordedLm`).
   */
  defaultModel?: string;
  env?: NodeJS.ProcessEnv;
  /** Where responses are cached; none → no caching. `sim` is never cached (it costs nothing). */
  cache?: ResponseCache;
  clock?: Clock;
  /** Told once when dspx falls back to `sim` (the library never prints). */
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

  constructor(
    private readonly options: LMPoolOptions = {},
    shared?: { clients: Map<string, LMClient>; schedulers: Scheduler[] },
  ) {
    this.env = options.env ?? process.env;
    this.clients = shared?.clients ?? new Map();
    this.schedulers = shared?.schedulers ?? [];
  }

  /**
   * The same pool with every step on `model` (a teacher, a reflection LM): its clients, and so the
   * endpoints' schedulers and the cache, are shared with this pool's.
   */
  withModel(model: string): LMPool {
    return this.derive({ override: model });
  }

  /** The same pool (its clients, schedulers and cache shared) with some options replaced. */
  derive(options: Partial<LMPoolOptions>): LMPool {
    return new LMPool({ ...this.options, ...options }, { clients: this.clients, schedulers: this.schedulers });
  }

  /**
   * How this pool chooses models and endpoints, as a run records it so that a later command can
   * evaluate the run's candidates the same way (`replayLm`): --lm or DSPX_LM, --base-url, the model
   * a step naming none falls back to, and the *_BASE_URL variables (without credentials).
   */
  recordedLm(): RecordedLm {
    const override = this.options.override ?? this.env.DSPX_LM;
    const env: Record<string, string> = {};
    for (const name of BASE_URL_VARIABLES) {
      const value = this.env[name];
      if (value) env[name] = publicEndpoint(value);
    }
    return {
      ...(override ? { override } : { defaultModel: this.fallbackModel() }),
      ...(this.options.baseUrl ? { baseUrl: publicEndpoint(this.options.baseUrl), ...(hasCredentials(this.options.baseUrl) ? { baseUrlRedacted: true as const } : {}) } : {}),
      env,
    };
  }

  /** What a step that names no model runs on when nothing overrides it. */
  private fallbackModel(): string {
    if (this.options.defaultModel) return this.options.defaultModel;
    if (this.env.OPENAI_API_KEY) return DEFAULT_MODELS.openai;
    if (this.env.ANTHROPIC_API_KEY) return DEFAULT_MODELS.anthropic;
    return "sim";
  }

  /**
   * The model a call runs on: a judge's own `lm` first; then --lm > DSPX_LM > the step's `lm` >
   * the program's `lm` > a replayed run's default model > an API key in the environment (OpenAI,
   * then Anthropic) > sim, with a notice.
   */
  resolveModel(config?: LMConfig, { forJudge = false } = {}): string {
    if (forJudge && config?.model) return config.model;
    const named = this.options.override ?? this.env.DSPX_LM ?? config?.model ?? this.options.programLm?.model;
    if (named) return named;
    const fallback = this.fallbackModel();
    if (fallback !== "sim" || this.options.defaultModel) return fallback;
    if (!this.noticeGiven) {
      this.noticeGiven = true;
      this.options.onNotice?.("no LM configured and no API key found: running on `sim`, dspx's offline model (not an LLM)");
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
    const endpoint = resolveEndpoint(spec, config, this.options, this.env);
    const key = `${spec.provider}|${publicEndpoint(endpoint.baseURL)}|${spec.model}`;
    let client = this.clients.get(key);
    if (!client) {
      const provider = this.provider(spec, endpoint, config);
      const scheduler = new Scheduler({
        name: `${spec.provider}:${spec.model} @ ${publicEndpoint(endpoint.baseURL)}`,
        concurrency: this.options.maxInFlight ?? 64,
        ...optional("rpm", this.options.rpm ?? config?.rpm ?? this.options.programLm?.rpm),
        ...optional("tpm", this.options.tpm ?? config?.tpm ?? this.options.programLm?.tpm),
        ...optional("timeoutMs", this.options.timeoutMs),
        ...optional("maxAttempts", this.options.maxAttempts),
        ...optional("breakerThreshold", this.options.breakerThreshold),
        ...optional("breakerWindowMs", this.options.breakerWindowMs),
        ...optional("clock", this.options.clock),
      });
      this.schedulers.push(scheduler);
      const scheduled = new ScheduledClient(provider, scheduler);
      client = this.metered(this.options.cache ? new CachedClient(scheduled, this.options.cache) : scheduled);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Links the cache entries this pool's calls (and its derived pools') use from now on to a run, for
   * `dspx cache clear --run`; nothing when the cache is not a run's view (`CacheStore.forRun`).
   */
  linkCacheTo(runId: string): void {
    this.options.cache?.link?.(runId);
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
    return this.options.onPaidCall ? new MeteredClient(client, this.options.onPaidCall, this.options.onCachedCall) : client;
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
    const own = config?.prices ?? this.options.programLm?.prices;
    if (own) return own;
    if (spec.provider === "ollama") return { input: 0, output: 0 };
    return listedPrices(spec.provider, spec.model);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
