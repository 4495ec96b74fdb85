import type { CallOptions, LMClient, LMRequest, LMResponse } from "./types.js";
import { WrappedClient } from "./wrapped.js";

/** Told of every call a provider answered (not of cache hits): what was paid for, as it is paid. */
export type PaidCallListener = (response: LMResponse) => void;

/**
 * A client that reports each paid call as soon as it completes: in the same turn as the cache
 * entry that keeps its answer is written, so a run can record what it spent in the same
 * transaction (nothing answered from the cache later is then missing from what the run paid).
 */
export class MeteredClient extends WrappedClient {
  constructor(
    inner: LMClient & { endpoint?: string },
    private readonly onPaid: PaidCallListener,
    private readonly onCached?: PaidCallListener,
  ) {
    super(inner);
  }

  async complete(request: LMRequest, options?: CallOptions): Promise<LMResponse> {
    const response = await this.inner.complete(request, options);
    if (!response.cached) this.onPaid(response);
    else this.onCached?.(response);
    return response;
  }
}
