import type { RateLimitInfo } from "../call-error.js";

/** Rate-limit headers with every field checked (finite, not negative); nonsense fields dropped. */
export function cleanRateLimit(info: RateLimitInfo | undefined): RateLimitInfo | undefined {
  if (!info) return undefined;
  const out: RateLimitInfo = {};
  for (const key of Object.keys(info) as (keyof RateLimitInfo)[]) {
    const value = info[key];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) out[key] = value;
  }
  // A limit of 0 per minute is not a usable rate; ignore it rather than stall forever.
  if (out.limitRequests === 0) delete out.limitRequests;
  if (out.limitTokens === 0) delete out.limitTokens;
  return out;
}

/** The lower of two optional limits (undefined when neither is known). */
export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * What a provider has left now, from the `remaining` it reported when it admitted a request
 * `elapsedMs` ago: it has refilled at `perMinute` since, and taken one (or the tokens) for each
 * thing sent after that request (`sentAfter`), which its `remaining` did not count yet.
 */
export function remainingNow(remaining: number, sentAfter: number, elapsedMs: number, perMinute: number): number {
  return remaining + (Math.max(0, elapsedMs) * perMinute) / 60_000 - sentAfter;
}
