import { isIP } from "node:net";
import type { LMConfig } from "../program/types.js";
import { ProviderError, UserError } from "../util/errors.js";
import { httpUrlProblem } from "../util/http-url.js";
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

/** Whether a base URL carries a user (and password) before its host: `http://user:pass@host/v1`. */
export function hasUserInfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  } catch {
    return false;
  }
}

/** How the SDKs are pointed at a base URL: where to send, and what every request carries besides. */
export interface SdkEndpoint {
  baseURL: string;
  defaultQuery?: Record<string, string>;
  defaultHeaders?: Record<string, string>;
}

/**
 * A base URL split the way the SDKs need it. They append paths to the base URL as a string, so a
 * query in it (`…/v1?api-key=…`, as some gateways want) would end up in the middle of the path: it
 * goes into every request as the SDK's defaultQuery instead. And fetch refuses a URL with
 * credentials in it (`http://user:pass@host/v1`): they become an `Authorization: Basic` header,
 * which takes the place of the `Bearer` API key the OpenAI SDK would send (the proxy in front of the
 * server authenticates with it). Anthropic's key travels in `x-api-key`, so it is still sent.
 */
export function sdkBaseUrl(url: string): SdkEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { baseURL: url };
  }
  if (u.search === "" && u.username === "" && u.password === "") return { baseURL: url };
  const out: SdkEndpoint = { baseURL: "" };
  if (u.search !== "") out.defaultQuery = Object.fromEntries(u.searchParams);
  if (u.username !== "" || u.password !== "") {
    const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    out.defaultHeaders = { Authorization: `Basic ${Buffer.from(credentials, "utf8").toString("base64")}` };
  }
  u.search = "";
  u.username = "";
  u.password = "";
  out.baseURL = u.toString().replace(/\/$/, "");
  return out;
}

/** What a base URL carries that is secret (user, password, query values), for scrubbing error text. */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    const raw = [u.username, u.password, ...u.searchParams.values()].filter((v) => v !== "");
    const decoded = raw.map((v) => {
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    });
    const basic = u.username !== "" || u.password !== "" ? [sdkBaseUrl(url).defaultHeaders!.Authorization!.slice("Basic ".length)] : [];
    return [...new Set([...raw, ...decoded, ...basic])];
  } catch {
    return [];
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
  const variable = spec.provider === "anthropic" ? "ANTHROPIC_BASE_URL" : spec.provider === "ollama" ? "OLLAMA_BASE_URL" : "OPENAI_BASE_URL";
  const [baseURL, source] =
    flags.baseUrl !== undefined ? [flags.baseUrl, "--base-url"]
    : env[variable] ? [env[variable], variable]
    : config?.baseUrl !== undefined ? [config.baseUrl, "lm.base_url"]
    : [DEFAULT_BASE_URLS[spec.provider === "sim" ? "openai" : spec.provider], "default"];
  const problem = httpUrlProblem(baseURL);
  if (problem) throw new UserError({ flag: source, message: problem });
  // Credentials in the URL are the endpoint's own authentication: no API key is needed besides.
  const keyless = isLoopback(baseURL) || hasUserInfo(baseURL);
  if (spec.provider === "anthropic") {
    const apiKey = env.ANTHROPIC_API_KEY ?? (keyless ? "dspx-no-key" : undefined);
    if (!apiKey) throw missingKey("anthropic", "ANTHROPIC_API_KEY", baseURL);
    return { baseURL, apiKey, official: baseURL === DEFAULT_BASE_URLS.anthropic };
  }
  if (spec.provider === "ollama") return { baseURL, apiKey: env.OLLAMA_API_KEY ?? "ollama", official: false };
  const apiKey = env.OPENAI_API_KEY ?? (keyless ? "dspx-no-key" : undefined);
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
