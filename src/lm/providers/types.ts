import type { AttemptContext, AttemptResult } from "../scheduler/types.js";
import type { LMRequest, LMResponse } from "../types.js";

/**
 * One provider endpoint for one model. `attempt` makes exactly one HTTP call and throws an
 * LMCallError saying how to treat a failure; retries and pacing belong to the scheduler, which also
 * decides when an attempt has timed out (the provider just makes sure its request stops then).
 */
export interface ProviderClient {
  readonly provider: string;
  readonly model: string;
  /** Base URL without credentials: part of the scheduler's and the cache's identity. */
  readonly endpoint: string;
  readonly structuredOutput: boolean;
  /** Whether requests may carry `tools` (until the endpoint refuses them: see ToolsUnsupportedError). */
  readonly toolCalling: boolean;
  /** One HTTP call, stopped by `context.signal` or after `context.timeoutMs`. */
  attempt(request: LMRequest, context: AttemptContext): Promise<AttemptResult<LMResponse>>;
}
