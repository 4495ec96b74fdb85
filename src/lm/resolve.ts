import { isIP } from "node:net";
import type { LMConfig } from "../program/types.js";
import { ProviderError } from "../util/errors.js";
import type { ModelSpec } from "./spec.js";

/** The model a key in the environment selects when nothing else names one. */
export const DEFAULT_MODELS = { openai: "openai:gpt-4.1-mini", anthropic: "anthropic:claude-haiku-4-5" } as const;

export const DEFAULT_BASE_URLS = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  ollama: "http://localhost:11434/v1",
} as const;

/** Loopback servers (vLLM, llama.cpp, Ollama on this machine) need no API key. */
export function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && (host.startsWith("127.") || host === "::1"));
  } catch {
    return false;
  }
}

/** A base URL as it may appear in caches and messages: no user, password or query. */
export function publicEndpoint(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** Whether a base URL carries something publicEndpoint removes because it may be a secret (user, password, query). */
export function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "" || u.search !== "";
  } catch {
    return false;
  }
}

/**
 * A base URL split the way the SDKs need it: they append paths to the base URL as a string, so a
 * query in it (`…/v1?api-key=…`, as some gateways want) would end up in the middle of the path.
 * The query goes into every request as the SDK's defaultQuery instead.
 */
export function sdkBaseUrl(url: string): { baseURL: string; defaultQuery?: Record<string, string> } {
  try {
    const u = new URL(url);
    if (u.search === "") return { baseURL: url };
    const defaultQuery = Object.fromEntries(u.searchParams);
    u.search = "";
    return { baseURL: u.toString().replace(/\/$/, ""), defaultQuery };
  } catch {
    return { baseURL: url };
  }
}

export interface Endpoint {
  baseURL: string;
  apiKey: string;
  official: boolean;
}

/**
 * Where a provider's requests go and with which key: --base-url > the provider's *_BASE_URL
 * environment variable > the program's `lm.base_url` > the provider's default.
 */
export function resolveEndpoint(spec: ModelSpec, config: LMConfig | undefined, flags: { baseUrl?: string }, env: NodeJS.ProcessEnv): Endpoint {
  if (spec.provider === "anthropic") {
    const baseURL = flags.baseUrl ?? env.ANTHROPIC_BASE_URL ?? config?.baseUrl ?? DEFAULT_BASE_URLS.anthropic;
    const apiKey = env.ANTHROPIC_API_KEY ?? (isLoopback(baseURL) ? "dspx-no-key" : undefined);
    if (!apiKey) throw missingKey("anthropic", "ANTHROPIC_API_KEY", baseURL);
    return { baseURL, apiKey, official: baseURL === DEFAULT_BASE_URLS.anthropic };
  }
  if (spec.provider === "ollama") {
    const baseURL = flags.baseUrl ?? env.OLLAMA_BASE_URL ?? config?.baseUrl ?? DEFAULT_BASE_URLS.ollama;
    return { baseURL, apiKey: env.OLLAMA_API_KEY ?? "ollama", official: false };
  }
  const baseURL = flags.baseUrl ?? env.OPENAI_BASE_URL ?? config?.baseUrl ?? DEFAULT_BASE_URLS.openai;
  const apiKey = env.OPENAI_API_KEY ?? (isLoopback(baseURL) ? "dspx-no-key" : undefined);
  if (!apiKey) throw missingKey("openai", "OPENAI_API_KEY", baseURL);
  return { baseURL, apiKey, official: publicEndpoint(baseURL) === DEFAULT_BASE_URLS.openai };
}

function missingKey(provider: string, variable: string, baseURL: string): ProviderError {
  return new ProviderError(
    provider,
    "auth",
    `${variable} is not set (needed for ${publicEndpoint(baseURL)}); set it in the environment or a .env file, or run offline with --lm sim`,
  );
}
