import type { RateLimitInfo } from "../call-error.js";

type HeaderSource = { get(name: string): string | null } | undefined;

/** OpenAI's reset durations: `120ms`, `6s`, `1m30s`, `0.5s`, `2h`. */
export function parseDurationMs(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  let matched = false;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n * 3_600_000;
  }
  return matched ? total : undefined;
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers?.get("retry-after");
  if (!after) return undefined;
  if (/^\d+(\.\d+)?$/.test(after.trim())) return Number(after) * 1000;
  const at = Date.parse(after);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function num(headers: HeaderSource, name: string): number | undefined {
  const v = headers?.get(name);
  if (v === null || v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function untilMs(text: string | null | undefined, now: number): number | undefined {
  if (!text) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function compact(info: RateLimitInfo): RateLimitInfo | undefined {
  const entries = Object.entries(info).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as RateLimitInfo) : undefined;
}

/** `x-ratelimit-*` (OpenAI and most OpenAI-compatible servers). */
export function openaiRateLimit(headers: HeaderSource): RateLimitInfo | undefined {
  // Most OpenAI-compatible servers send none of these: one lookup decides.
  if (!headers?.get("x-ratelimit-limit-requests") && !headers?.get("x-ratelimit-limit-tokens") && !headers?.get("retry-after") && !headers?.get("retry-after-ms")) return undefined;
  return compact({
    limitRequests: num(headers, "x-ratelimit-limit-requests"),
    remainingRequests: num(headers, "x-ratelimit-remaining-requests"),
    resetRequestsMs: parseDurationMs(headers?.get("x-ratelimit-reset-requests")),
    limitTokens: num(headers, "x-ratelimit-limit-tokens"),
    remainingTokens: num(headers, "x-ratelimit-remaining-tokens"),
    resetTokensMs: parseDurationMs(headers?.get("x-ratelimit-reset-tokens")),
    retryAfterMs: retryAfterMs(headers),
  });
}

/** `anthropic-ratelimit-*` (resets are RFC 3339 times). */
export function anthropicRateLimit(headers: HeaderSource, now = Date.now()): RateLimitInfo | undefined {
  return compact({
    limitRequests: num(headers, "anthropic-ratelimit-requests-limit"),
    remainingRequests: num(headers, "anthropic-ratelimit-requests-remaining"),
    resetRequestsMs: untilMs(headers?.get("anthropic-ratelimit-requests-reset"), now),
    limitTokens: num(headers, "anthropic-ratelimit-tokens-limit") ?? num(headers, "anthropic-ratelimit-input-tokens-limit"),
    remainingTokens: num(headers, "anthropic-ratelimit-tokens-remaining") ?? num(headers, "anthropic-ratelimit-input-tokens-remaining"),
    resetTokensMs: untilMs(headers?.get("anthropic-ratelimit-tokens-reset") ?? headers?.get("anthropic-ratelimit-input-tokens-reset"), now),
    retryAfterMs: retryAfterMs(headers, now),
  });
}

/** `{ rateLimit }` when there is something to report, else nothing (for optional fields). */
export function rateLimitOf(info: RateLimitInfo | undefined): { rateLimit?: RateLimitInfo } {
  return info ? { rateLimit: info } : {};
}
