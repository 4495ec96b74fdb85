import { ToolsUnsupportedError } from "./call-error.js";
import { offeredTools } from "./offered-tools.js";
import type { ProviderClient } from "./providers/types.js";
import type { Scheduler } from "./scheduler/scheduler.js";
import { nextTurn } from "../util/next-turn.js";
import { estimateTokens } from "./tokens.js";
import type { CallOptions, LMClient, LMRequest, LMResponse } from "./types.js";

const NO_TURN_BATCHING = process.env.DSPX_BENCH_NO_TURN_BATCHING === "1";

/** A provider behind its endpoint's scheduler: the LMClient every real model call goes through. */
export class ScheduledClient implements LMClient {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly endpoint: string;
  readonly structuredOutput: boolean;
  /** The endpoint's refusal of `tools`, once it has refused them (see ToolsUnsupportedError). */
  private toolsRefused: ToolsUnsupportedError | undefined;

  constructor(
    private readonly providerClient: ProviderClient,
    readonly scheduler: Scheduler,
    /** Told once, when the endpoint refuses `tools` for the first time (the library never prints). */
    private readonly onNotice?: (message: string) => void,
  ) {
    this.provider = providerClient.provider;
    this.model = providerClient.model;
    this.id = `${providerClient.provider}:${providerClient.model}`;
    this.endpoint = providerClient.endpoint;
    this.structuredOutput = providerClient.structuredOutput;
  }

  /** False once the endpoint has refused `tools`: one client per endpoint and model, so for all its callers. */
  get toolCalling(): boolean {
    return this.providerClient.toolCalling && this.toolsRefused === undefined;
  }

  async complete(request: LMRequest, options: CallOptions = {}): Promise<LMResponse> {
    // Known to be refused: nothing is sent.
    const tools = offeredTools(request) !== undefined;
    if (tools && this.toolsRefused) throw new ToolsUnsupportedError(this.toolsRefused.message, this.toolsRefused.status !== undefined ? { status: this.toolsRefused.status } : {});
    // Calls made during one event-loop turn are dispatched together at its end (see nextTurn);
    // DSPX_BENCH_NO_TURN_BATCHING=1 dispatches each at once, for the overhead benchmark's comparison.
    if (!NO_TURN_BATCHING) await nextTurn();
    try {
      return await this.scheduler.run(estimateTokens(request), (context) => this.providerClient.attempt(request, context), options.signal ? { signal: options.signal } : {});
    } catch (err) {
      if (err instanceof ToolsUnsupportedError && tools) this.refuseTools(err);
      throw err;
    }
  }

  private refuseTools(err: ToolsUnsupportedError): void {
    if (this.toolsRefused) return;
    this.toolsRefused = err;
    this.onNotice?.(`${this.id} @ ${this.endpoint}: ${err.message}; agent steps on it use the text protocol from now on`);
  }
}
