import type { LMSection } from "./schema.js";
import type { LMConfig } from "./types.js";

/** The file's snake_case `lm:` section as the camelCase LMConfig the code uses. */
export function toLMConfig(section: LMSection): LMConfig {
  const config: LMConfig = {};
  if (section.model !== undefined) config.model = section.model;
  if (section.base_url !== undefined) config.baseUrl = section.base_url;
  if (section.temperature !== undefined) config.temperature = section.temperature;
  if (section.max_tokens !== undefined) config.maxTokens = section.max_tokens;
  if (section.rpm !== undefined) config.rpm = section.rpm;
  if (section.tpm !== undefined) config.tpm = section.tpm;
  if (section.prices !== undefined) {
    config.prices = { input: section.prices.input, output: section.prices.output };
    if (section.prices.cached_input !== undefined) config.prices.cachedInput = section.prices.cached_input;
  }
  return config;
}
