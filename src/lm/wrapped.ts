import type { CallOptions, LMClient, LMRequest, LMResponse } from "./types.js";

/**
 * A client layered over another (the cache, the meter): it keeps the inner client's identity, so
 * that fingerprints and cache keys see through it, and passes an unreadable-completion mark on.
 */
export abstract class WrappedClient implements LMClient {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  /** The wrapped endpoint, so that what fingerprints a client sees through the layers. */
  readonly endpoint: string | undefined;
  readonly structuredOutput: boolean;

  constructor(protected readonly inner: LMClient & { endpoint?: string }) {
    this.id = inner.id;
    this.provider = inner.provider;
    this.model = inner.model;
    this.endpoint = inner.endpoint;
    this.structuredOutput = inner.structuredOutput;
  }

  /** The inner client's, read at each call: an endpoint that refuses `tools` turns it off for every layer. */
  get toolCalling(): boolean {
    return this.inner.toolCalling ?? false;
  }

  abstract complete(request: LMRequest, options?: CallOptions): Promise<LMResponse>;

  unreadable(request: LMRequest, reason: string): void {
    this.inner.unreadable?.(request, reason);
  }
}
