import type { LMCallRecord, Usage } from "./types.js";

/** USD per million tokens. */
export interface Prices {
  input: number;
  /** Cached (prompt-cache hit) input; defaults to `input` when a provider has no discount. */
  cachedInput?: number;
  output: number;
}

/**
 * List prices for current models, USD per million tokens (input / cached input / output), as
 * published by OpenAI and Anthropic in 2026. Programs override them with `lm.prices`; a model not
 * listed has an unknown cost (shown as "unknown", never as $0). Dated model names
 * (`gpt-4.1-mini-2025-04-14`, `claude-sonnet-4-5-20250929`) use their base entry.
 */
export const PRICE_TABLE: Readonly<Record<string, Readonly<Record<string, Prices>>>> = {
  openai: {
    "gpt-5.5": { input: 5, cachedInput: 0.5, output: 30 },
    "gpt-5.4": { input: 2.5, cachedInput: 0.25, output: 15 },
    "gpt-5.4-mini": { input: 0.75, cachedInput: 0.075, output: 4.5 },
    "gpt-5.4-nano": { input: 0.2, cachedInput: 0.02, output: 1.25 },
    "gpt-5.1": { input: 1.25, cachedInput: 0.125, output: 10 },
    "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
    "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
    "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
    "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
    "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
    "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
    "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
    "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
    o3: { input: 2, cachedInput: 0.5, output: 8 },
    "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  },
  anthropic: {
    "claude-opus-4-6": { input: 5, cachedInput: 0.5, output: 25 },
    "claude-opus-4-5": { input: 5, cachedInput: 0.5, output: 25 },
    "claude-opus-4-1": { input: 15, cachedInput: 1.5, output: 75 },
    "claude-opus-4": { input: 15, cachedInput: 1.5, output: 75 },
    "claude-sonnet-4-6": { input: 3, cachedInput: 0.3, output: 15 },
    "claude-sonnet-4-5": { input: 3, cachedInput: 0.3, output: 15 },
    "claude-sonnet-4": { input: 3, cachedInput: 0.3, output: 15 },
    "claude-haiku-4-5": { input: 1, cachedInput: 0.1, output: 5 },
    "claude-3-5-haiku": { input: 0.8, cachedInput: 0.08, output: 4 },
    "claude-3-haiku": { input: 0.25, cachedInput: 0.03, output: 1.25 },
  },
};

/** The listed prices of a model: an exact entry, or the longest entry followed by a date suffix. */
export function listedPrices(provider: string, model: string): Prices | undefined {
  const table = PRICE_TABLE[provider];
  if (!table) return undefined;
  if (table[model]) return table[model];
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (model.startsWith(`${name}-`) && /^-(?:\d{4}-?\d{2}-?\d{2}|latest)$/.test(model.slice(name.length))) {
      if (!best || name.length > best.length) best = name;
    }
  }
  return best ? table[best] : undefined;
}

/** Cost of one call in USD; null when the prices are unknown. */
export function costOf(usage: Usage, prices: Prices | undefined): number | null {
  if (!prices) return null;
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const fresh = usage.promptTokens - cached;
  return (fresh * prices.input + cached * (prices.cachedInput ?? prices.input) + usage.completionTokens * prices.output) / 1e6;
}

/** A sum of costs in USD: unknown (null) once one of them is. */
export function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/**
 * What one recorded call costs: `spent`, paid now (nothing for a cache hit), and `nominal`, what it
 * cost when first made (a cache hit: the original call's; 0 when that was not recorded).
 */
export function callCost(call: Pick<LMCallRecord, "cached" | "costUsd" | "nominalCostUsd">): { spent: number | null; nominal: number | null } {
  return call.cached ? { spent: call.costUsd === null ? null : 0, nominal: call.nominalCostUsd ?? 0 } : { spent: call.costUsd, nominal: call.costUsd };
}
