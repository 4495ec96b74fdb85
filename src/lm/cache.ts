import { canonicalJson, sha256 } from "../util/canonical.js";
import type { ResponseCache } from "../store/cache-store.js";
import { offeredTools } from "./offered-tools.js";
import type { CallOptions, ChatMessage, LMClient, LMRequest, LMResponse } from "./types.js";
import { WrappedClient } from "./wrapped.js";

/**
 * The cache key of a request: sha256 of the canonical JSON of everything that can change the
 * answer — provider, model, endpoint, messages (tool calls and results included), sampling
 * parameters, response format, the tools offered and the tool choice, and `sample` — and nothing
 * secret (no key, no headers). `meta` is left out: the messages already say it. A request without
 * tools has the key it had before tools existed, so caches made then still answer.
 */
export function cacheKey(request: LMRequest, client: { provider: string; model: string; endpoint?: string }): string {
  // The scalar parameters in a fixed order (JSON keeps the encoding unambiguous), the response
  // format's schema canonically (memoized: it is one object per signature).
  const tools = offeredTools(request);
  let text = JSON.stringify([
    1,
    client.provider,
    client.model,
    client.endpoint ?? null,
    request.temperature,
    request.maxTokens,
    request.sample,
    formatJson(request.responseFormat),
    ...(tools ? [toolsJson(tools), request.toolChoice ?? "auto"] : []),
  ]);
  // The key covers each message through its own digest. The system message and demo turns are
  // shared objects across a candidate's requests, so their digests are computed once; only the
  // final user turn is hashed per request (the prompt is most of the request: this is the hot part).
  // (The same bytes as the incremental hash this key was first made with: old caches still answer.)
  for (const m of request.messages) text += messageDigest(m);
  return sha256(text);
}

const formats = new WeakMap<object, string>();

function formatJson(format: LMRequest["responseFormat"]): string | null {
  if (!format) return null;
  let json = formats.get(format);
  if (json === undefined) {
    json = canonicalJson(format);
    formats.set(format, json);
  }
  return json;
}

const toolLists = new WeakMap<object, string>();

/** The offered tools' canonical JSON, memoized: a step offers one list to all its requests. */
function toolsJson(tools: NonNullable<LMRequest["tools"]>): string {
  let json = toolLists.get(tools);
  if (json === undefined) {
    json = canonicalJson(tools);
    toolLists.set(tools, json);
  }
  return json;
}

const digests = new WeakMap<ChatMessage, string>();

function messageDigest(message: ChatMessage): string {
  let d = digests.get(message);
  if (d === undefined) {
    // The role is a fixed word, so the NUL between it and the content keeps the encoding
    // unambiguous. A turn with tool fields is hashed whole as canonical JSON after a byte no role
    // starts with, so it never meets a plain turn's digest.
    d =
      message.toolCalls !== undefined || message.toolCallId !== undefined
        ? sha256("\u0001" + canonicalJson(message))
        : sha256(message.role + "\u0000" + message.content);
    digests.set(message, d);
  }
  return d;
}

/**
 * Answers repeated requests from the store: a hit costs nothing, is marked `cached`, and sends
 * nothing. Identical requests in flight at the same moment share one call. Errors are not cached.
 * A completion the caller could not read stays cached and is served as it was, so a resumed run
 * replays it: asking again is the caller's decision, made at another `sample` (see
 * optimize/resample.ts); the mark lets `dspx cache clear --failed` find it.
 */
export class CachedClient extends WrappedClient {
  private readonly inFlight = new Map<string, Promise<LMResponse>>();

  constructor(
    inner: LMClient & { endpoint?: string },
    private readonly store: ResponseCache,
  ) {
    super(inner);
  }

  async complete(request: LMRequest, options?: CallOptions): Promise<LMResponse> {
    const key = cacheKey(request, this.inner);
    const hit = this.store.get(key);
    if (hit) {
      const replayed: LMResponse = { text: hit.text, usage: hit.usage, costUsd: 0, nominalCostUsd: hit.costUsd, cached: true, latencyMs: 0, model: hit.responseModel };
      if (hit.toolCalls) replayed.toolCalls = hit.toolCalls;
      return replayed;
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      return { ...shared, cached: true, costUsd: 0, nominalCostUsd: shared.costUsd, latencyMs: 0 };
    }
    const call = this.inner.complete(request, options).then((response) => {
      this.store.put(key, {
        provider: this.provider,
        model: this.model,
        text: response.text,
        responseModel: response.model,
        usage: response.usage,
        costUsd: response.costUsd,
        latencyMs: response.latencyMs,
        createdAt: Date.now(),
        ...(response.toolCalls && response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}),
      });
      return response;
    });
    this.inFlight.set(key, call);
    try {
      return await call;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Marks the cached completion of `request` as unreadable (it stays, and is served, as it was). */
  override unreadable(request: LMRequest, reason: string): void {
    this.store.markUnreadable(cacheKey(request, this.inner), reason);
  }
}
