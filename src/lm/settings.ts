import type { RecordedLm } from "../store/run-config.js";
import { DEFAULT_MODELS, hasCredentials, publicEndpoint } from "./resolve.js";

/**
 * How a command calls models, for every step and every endpoint: resolved once (`lmSettings`),
 * handed unchanged to the LM pool and recorded in the run's configuration (`recordLm`, without
 * credentials), from which resume and compare read it back. A program's `lm:` sections (the
 * program's and each step's) are the defaults under these settings; the pool applies them per call.
 */
export interface LmSettings {
  /** --lm, else DSPX_LM: every step runs on this model (a judge with its own `lm` excepted). */
  override?: string;
  /** With no override: what a step naming no model runs on, instead of an API key's default or `sim` (a run replayed). */
  defaultModel?: string;
  /** --base-url: where OpenAI-compatible and Anthropic requests go. It may carry credentials, which are never recorded. */
  baseUrl?: string;
  /** Requests and tokens per minute for every endpoint (a program's `lm.rpm` / `lm.tpm` when absent). */
  rpm?: number;
  tpm?: number;
  /** Per-attempt timeout (default 60 s) and attempts per call for transient failures (default 5). */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Read and write the LM response cache. */
  cache: boolean;
  /** The model that runs the program to bootstrap demos, and the one that proposes instructions (default: the student's). */
  teacherLm?: string;
  reflectionLm?: string;
}

/**
 * The LM settings as a user gives them, each optional: command-line flags, or the library's options.
 * `lm` is what becomes `override` (with DSPX_LM under it).
 */
export type LmOptions = Partial<Omit<LmSettings, "override">> & { lm?: string };

/** The environment variables that move a provider's endpoint. */
export const BASE_URL_VARIABLES = ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL"] as const;

/**
 * The one place LM settings are made: what was given (flags, options) over the environment
 * (DSPX_LM) over the program file (its `optimize.teacher_lm` / `reflection_lm`). Only the fields
 * of LmOptions are read, so a command may pass its whole flags object.
 */
export function lmSettings(given: LmOptions, env: NodeJS.ProcessEnv = process.env, program: Pick<LmSettings, "teacherLm" | "reflectionLm"> = {}): LmSettings {
  return {
    override: given.lm || env.DSPX_LM || undefined,
    defaultModel: given.defaultModel || undefined,
    baseUrl: given.baseUrl || undefined,
    rpm: given.rpm || undefined,
    tpm: given.tpm || undefined,
    timeoutMs: given.timeoutMs || undefined,
    maxAttempts: given.maxAttempts || undefined,
    cache: given.cache ?? true,
    teacherLm: given.teacherLm || program.teacherLm || undefined,
    reflectionLm: given.reflectionLm || program.reflectionLm || undefined,
  };
}

/** What a step that names no model runs on when nothing overrides it: a replayed run's choice, an API key's default model, or sim. */
export function fallbackModel(settings: LmSettings, env: NodeJS.ProcessEnv): string {
  if (settings.defaultModel) return settings.defaultModel;
  if (env.OPENAI_API_KEY) return DEFAULT_MODELS.openai;
  if (env.ANTHROPIC_API_KEY) return DEFAULT_MODELS.anthropic;
  return "sim";
}

/**
 * The settings as a run records them: as they are, with the base URL's credentials removed (and
 * `baseUrlRedacted` saying so), plus what the environment decided — the model a step naming none
 * falls back to, and the *_BASE_URL variables (without credentials) — so that a later command
 * runs the run's candidates on the same models and endpoints.
 */
export function recordLm(settings: LmSettings, env: NodeJS.ProcessEnv): RecordedLm {
  const { baseUrl, defaultModel: _resolvedBelow, ...kept } = settings;
  const variables: Record<string, string> = {};
  for (const name of BASE_URL_VARIABLES) {
    const value = env[name];
    if (value) variables[name] = publicEndpoint(value);
  }
  return {
    ...kept,
    defaultModel: settings.override ? undefined : fallbackModel(settings, env),
    baseUrl: baseUrl === undefined ? undefined : publicEndpoint(baseUrl),
    baseUrlRedacted: baseUrl !== undefined && hasCredentials(baseUrl) ? true : undefined,
    env: variables,
  };
}

/**
 * The settings a run was recorded with, to run it again as it ran (`dspx resume`). A record names
 * either the model that overrode every step or the model a step naming none fell back to — then
 * DSPX_LM was not set, and is not read now either; only a record from before dspx kept the
 * fallback model leaves the choice to DSPX_LM. The base URL is the recorded one, without the
 * credentials it may have had (`baseUrlRedacted`): the caller supplies the full URL again.
 */
export function recordedSettings(recorded: RecordedLm, env: NodeJS.ProcessEnv): LmSettings {
  const { env: _variables, baseUrlRedacted: _redacted, ...settings } = recorded;
  const override = recorded.override || (recorded.defaultModel ? undefined : env.DSPX_LM || undefined);
  return { ...settings, override, defaultModel: override ? undefined : recorded.defaultModel, cache: recorded.cache ?? true };
}

/**
 * Settings and environment that evaluate a recorded run's candidates as the run did (`dspx compare`):
 * its models and endpoints — the recorded model choice, base URL and *_BASE_URL variables — instead
 * of whatever DSPX_LM, *_BASE_URL or the API keys select now; the rest (limits, cache) is `current`'s,
 * and an explicit `current.baseUrl` replaces the recorded one. The API keys still come from `env`.
 */
export function replayedLm(recorded: RecordedLm, current: LmSettings, env: NodeJS.ProcessEnv): { settings: LmSettings; env: NodeJS.ProcessEnv } {
  const { override, defaultModel, baseUrl } = recordedSettings(recorded, env);
  const replayEnv: NodeJS.ProcessEnv = { ...env };
  if (recorded.env) {
    for (const name of BASE_URL_VARIABLES) delete replayEnv[name];
    // Recorded without credentials: the variable set now, when it names the same endpoint, keeps them.
    for (const [name, url] of Object.entries(recorded.env)) replayEnv[name] = env[name] && publicEndpoint(env[name]) === url ? env[name] : url;
  }
  return { settings: { ...current, override, defaultModel, baseUrl: current.baseUrl ?? baseUrl }, env: replayEnv };
}
