import { z } from "zod";
import type { Field, Signature } from "../signature/types.js";
import { runLM } from "./predict.js";
import type { ModuleDef } from "./types.js";

const REASONING: Field = {
  name: "reasoning",
  type: { kind: "string" },
  desc: "Think it through step by step before giving the answer.",
  typed: true,
};

/** The signature with `reasoning` first; one object per signature, so prompts can be memoized on it. */
const withReasoningCache = new WeakMap<Signature, Signature>();
function withReasoning(signature: Signature): Signature {
  let full = withReasoningCache.get(signature);
  if (!full) {
    full = { inputs: signature.inputs, outputs: [REASONING, ...signature.outputs] };
    withReasoningCache.set(signature, full);
  }
  return full;
}

/** Like predict, but the LM first writes its `reasoning` (also a step output others may wire). */
export const chainOfThoughtModule: ModuleDef<Record<string, never>, undefined> = {
  name: "chain_of_thought",
  summary: "one LM call that writes `reasoning` before the signature's outputs",
  usesLM: true,
  options: z.strictObject({}),
  checkSignature: (signature) =>
    signature.outputs.some((f) => f.name === "reasoning")
      ? ["chain_of_thought adds its own `reasoning` output; rename yours"]
      : [],
  outputs: (signature) => withReasoning(signature).outputs,
  prepare: async () => undefined,
  run: (args) => runLM(args, withReasoning(args.signature)),
};
