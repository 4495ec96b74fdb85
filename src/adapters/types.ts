import type { ChatMessage, ResponseFormat } from "../lm/types.js";
import type { Demo } from "../program/types.js";
import type { Signature } from "../signature/types.js";

/** Everything an adapter needs to write the prompt of one call. */
export interface AdapterInput {
  /** The signature to answer, outputs in the order they must be produced. */
  signature: Signature;
  instruction: string;
  demos: Demo[];
  inputs: Record<string, unknown>;
}

export type ParseResult =
  | { ok: true; values: Record<string, unknown> }
  | { ok: false; error: string };

/** Turns a signature + state + inputs into messages, and a completion back into typed values. */
export interface Adapter {
  readonly name: "chat" | "json";
  render(input: AdapterInput, options: { structuredOutput: boolean }): {
    messages: ChatMessage[];
    responseFormat?: ResponseFormat;
  };
  parse(signature: Signature, completion: string): ParseResult;
}
