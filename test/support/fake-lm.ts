import type { CallOptions, LMClient, LMRequest, LMResponse } from "../../src/lm/types.js";

/**
 * What the fake answers one request with: a string is the completion as is, a record becomes a
 * chat-adapter completion (one `[[ ## field ## ]]` section per field), an Error is thrown.
 */
export type FakeAnswer = string | Record<string, unknown> | Error;

/** Answers request number `index` (0-based, in the order the requests came). */
export type FakeScript = (request: LMRequest, index: number) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeLMOptions {
  /** `provider:model` (default `fake:model`). */
  id?: string;
  structuredOutput?: boolean;
  /** Whether requests may carry `tools` (native tool calling); the script answers them with `response.toolCalls`. */
  toolCalling?: boolean;
  /** Shown as the client's endpoint (memo fingerprints and cache keys read it). */
  endpoint?: string;
  /** The fields of every response beyond its text (default: 10 prompt and 5 completion tokens, no cost, 1 ms). */
  response?: Partial<Omit<LMResponse, "text">> | ((request: LMRequest, index: number) => Partial<Omit<LMResponse, "text">>);
  /** Awaited before each answer (e.g. a turn of the event loop, so calls overlap as real ones do). */
  delay?: () => Promise<void>;
}

/** A completion in the chat adapter's format: one `[[ ## field ## ]]` section per field, then the end marker. */
export function chatAnswer(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields).map(([name, value]) => `[[ ## ${name} ## ]]\n${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [...parts, "[[ ## completed ## ]]"].join("\n\n");
}

/**
 * The one scriptable LM of the tests: answers each request by its script (or a list of answers in
 * turn, see `inTurn`), keeps every request, and counts its calls. Nothing is random or timed.
 */
export class FakeLM implements LMClient {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly structuredOutput: boolean;
  readonly toolCalling: boolean;
  readonly endpoint: string | undefined;
  readonly requests: LMRequest[] = [];

  constructor(
    private readonly script: FakeScript,
    private readonly options: FakeLMOptions = {},
  ) {
    this.id = options.id ?? "fake:model";
    const colon = this.id.indexOf(":");
    this.provider = colon < 0 ? this.id : this.id.slice(0, colon);
    this.model = colon < 0 ? this.id : this.id.slice(colon + 1);
    this.structuredOutput = options.structuredOutput ?? false;
    this.toolCalling = options.toolCalling ?? false;
    this.endpoint = options.endpoint;
  }

  /** Requests answered (or refused) so far. */
  get calls(): number {
    return this.requests.length;
  }

  async complete(request: LMRequest, _options?: CallOptions): Promise<LMResponse> {
    const index = this.requests.length;
    this.requests.push(request);
    if (this.options.delay) await this.options.delay();
    const answer = await this.script(request, index);
    if (answer instanceof Error) throw answer;
    const extra = typeof this.options.response === "function" ? this.options.response(request, index) : this.options.response;
    return {
      usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 },
      costUsd: 0,
      cached: false,
      latencyMs: 1,
      model: this.model,
      ...extra,
      text: typeof answer === "string" ? answer : chatAnswer(answer),
    };
  }
}

/**
 * A script that gives `answers` in turn. Past the end it repeats the last one (`then: "repeat"`,
 * the default) or fails the call (`then: "fail"`: the test expected no more requests).
 */
export function inTurn(answers: FakeAnswer[], { then = "repeat" }: { then?: "repeat" | "fail" } = {}): FakeScript {
  return (_request, index) => {
    if (index < answers.length) return answers[index]!;
    if (then === "fail" || answers.length === 0) return new Error("fake LM: script exhausted");
    return answers[answers.length - 1]!;
  };
}

/** Requests of one step, in the order they were made. */
export function requestsOf(lm: FakeLM, step: string): LMRequest[] {
  return lm.requests.filter((r) => r.meta.step === step);
}
