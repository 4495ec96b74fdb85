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

  constructor(
    private readonly providerClient: ProviderClient,
    readonly scheduler: Scheduler,
  ) {
    this.provider = providerClient.provider;
    this.model = providerClient.model;
    this.id = `${providerClient.provider}:${providerClient.model}`;
    this.endpoint = providerClient.endpoint;
    this.structuredOutput = providerClient.structuredOutput;
  }

  async complete(request: LMRequest, options: CallOptions = {}): Promise<LMResponse> {
    // Calls made during one event-loop turn are dispatched together at its end (see nextTurn);
    // DSPX_BENCH_NO_TURN_BATCHING=1 dispatches each at once, for the overhead benchmark's comparison.
    if (!NO_TURN_BATCHING) await nextTurn();
    return this.scheduler.run(estimateTokens(request), (context) => this.providerClient.attempt(request, context), options.signal ? { signal: options.signal } : {});
  }
}
