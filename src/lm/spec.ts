import { UserError } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";

export const PROVIDERS = ["sim", "openai", "anthropic", "ollama"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** A parsed model string: `provider:model` with optional `?key=value` parameters (`sim?latency=20ms`). */
export interface ModelSpec {
  provider: ProviderName;
  model: string;
  params: Record<string, string>;
  /** The string as written, normalised (`sim` for the offline model). */
  text: string;
}

export class ModelSpecError extends Error {}

/** Parses a model string; throws ModelSpecError with what was expected. */
export function parseModelSpec(text: string): ModelSpec {
  const trimmed = text.trim();
  const [head, query = ""] = trimmed.split("?", 2) as [string, string?];
  const colon = head.indexOf(":");
  const provider = (colon < 0 ? head : head.slice(0, colon)).toLowerCase();
  const model = colon < 0 ? "" : head.slice(colon + 1);
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    const hint = suggestionHint(provider, PROVIDERS);
    throw new ModelSpecError(
      `unknown LM provider "${provider}" in "${trimmed}" (expected provider:model with provider one of ${PROVIDERS.join(", ")}${hint ? `; ${hint}` : ""})`,
    );
  }
  if (provider !== "sim" && !model) {
    throw new ModelSpecError(`"${trimmed}" names no model (expected ${provider}:<model>, e.g. ${EXAMPLES[provider as ProviderName]})`);
  }
  const params: Record<string, string> = {};
  for (const part of query.split("&").filter(Boolean)) {
    const [k, v = ""] = part.split("=", 2) as [string, string?];
    params[k] = v;
  }
  const normalModel = provider === "sim" ? model || "sim" : model;
  return {
    provider: provider as ProviderName,
    model: normalModel,
    params,
    text: provider === "sim" ? `sim${query ? `?${query}` : ""}` : `${provider}:${model}${query ? `?${query}` : ""}`,
  };
}

const EXAMPLES: Record<ProviderName, string> = {
  sim: "sim",
  openai: "openai:gpt-4.1-mini",
  anthropic: "anthropic:claude-sonnet-4-5",
  ollama: "ollama:llama3.1",
};

/** parseModelSpec for a command-line flag: a bad value is a UserError naming the flag. */
export function parseModelFlag(flag: string, text: string): ModelSpec {
  try {
    return parseModelSpec(text);
  } catch (err) {
    if (err instanceof ModelSpecError) throw new UserError({ flag, message: err.message });
    throw err;
  }
}
