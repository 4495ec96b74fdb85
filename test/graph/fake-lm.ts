import type { LMClient, LMRequest, LMResponse } from "../../src/lm/types.js";

/** A completion in the chat adapter's format: one `[[ ## field ## ]]` section per field. */
export function chatAnswer(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields).map(([name, value]) => `[[ ## ${name} ## ]]\n${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [...parts, "[[ ## completed ## ]]"].join("\n\n");
}

export type Answer = (request: LMRequest) => string | Record<string, unknown> | Promise<string | Record<string, unknown>>;

/**
 * An LMClient that answers from the request's structured `meta` (step, inputs, signature): a
 * record becomes a chat-format completion, a string is returned as is. Keeps every request.
 */
export class FakeLM implements LMClient {
  readonly id = "fake:model";
  readonly provider = "fake";
  readonly model = "model";
  readonly structuredOutput = false;
  readonly requests: LMRequest[] = [];

  constructor(private readonly answer: Answer) {}

  async complete(request: LMRequest): Promise<LMResponse> {
    this.requests.push(request);
    const a = await this.answer(request);
    return {
      text: typeof a === "string" ? a : chatAnswer(a),
      usage: { promptTokens: 3, completionTokens: 2, cachedTokens: 0 },
      costUsd: null,
      cached: false,
      latencyMs: 1,
      model: "model",
    };
  }
}

/** Requests of one step, in the order they were made. */
export function requestsOf(lm: FakeLM, step: string): LMRequest[] {
  return lm.requests.filter((r) => r.meta.step === step);
}
