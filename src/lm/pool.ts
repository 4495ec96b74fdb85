import { ProviderError, UserError } from "../util/errors.js";
import type { LMConfig } from "../program/types.js";
import { parseSimOptions, SimClient } from "./sim/client.js";
import { parseModelSpec, type ModelSpec } from "./spec.js";
import type { LMClient } from "./types.js";

export interface LMPoolOptions {
  /** `--lm`: runs every step (not judges with their own `lm`) on this model. */
  override?: string;
  /** The program's `lm:` section. */
  programLm?: LMConfig;
  env?: NodeJS.ProcessEnv;
  /** Told once when dspx falls back to `sim` (the library never prints). */
  onNotice?: (message: string) => void;
}

/**
 * Hands out one client per (provider, endpoint, model), so everything in a process that talks to
 * the same model shares it (and, later, its scheduler and cache).
 */
export class LMPool {
  private readonly clients = new Map<string, LMClient>();
  private noticeGiven = false;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: LMPoolOptions = {}) {
    this.env = options.env ?? process.env;
  }

  /**
   * The model string a call runs on: a judge's own `lm` first; then --lm > DSPX_LM > step lm >
   * program lm > sim (with a notice).
   */
  resolveModel(config?: LMConfig, { forJudge = false } = {}): string {
    if (forJudge && config?.model) return config.model;
    if (this.options.override) return this.options.override;
    if (this.env.DSPX_LM) return this.env.DSPX_LM;
    if (config?.model) return config.model;
    if (this.options.programLm?.model) return this.options.programLm.model;
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
    const key = `${spec.provider}|${spec.model}|${JSON.stringify(spec.params)}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(spec);
      this.clients.set(key, client);
    }
    return client;
  }

  private create(spec: ModelSpec): LMClient {
    if (spec.provider === "sim") {
      const query = Object.entries(spec.params).map(([k, v]) => `${k}=${v}`).join("&");
      try {
        return new SimClient(parseSimOptions(query));
      } catch (err) {
        throw new UserError(`bad sim option in "${spec.text}": ${(err as Error).message}`);
      }
    }
    throw new ProviderError(spec.provider, "not_supported", `the ${spec.provider} provider is not available yet in this build of dspx (use \`--lm sim\`)`);
  }
}
