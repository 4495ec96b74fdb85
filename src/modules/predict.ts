import { z } from "zod";
import { predict as callLM } from "../adapters/predict.js";
import type { Signature } from "../signature/types.js";
import type { ModuleDef, ModuleRunArgs } from "./types.js";

/** Asks the LM to fill the signature's outputs, given the instruction and demos. */
export const predictModule: ModuleDef<Record<string, never>, undefined> = {
  name: "predict",
  summary: "one LM call that fills the signature's outputs",
  usesLM: true,
  options: z.strictObject({}),
  checkSignature: () => [],
  outputs: (signature) => signature.outputs,
  prepare: async () => undefined,
  run: (args) => runLM(args, args.signature),
};

/** Shared by the LM modules: one adapter-mediated call for the given output signature. */
export async function runLM(args: ModuleRunArgs<unknown>, signature: Signature) {
  const runtime = args.runtime;
  if (!runtime) throw new Error(`step ${args.step}: an LM module ran without an LM`);
  const result = await callLM({
    lm: runtime.lm,
    signature,
    instruction: args.state.instruction,
    demos: args.state.demos,
    inputs: args.inputs,
    purpose: "predict",
    step: args.step,
    temperature: runtime.temperature,
    maxTokens: runtime.maxTokens,
    sample: runtime.sample,
    ...(runtime.signal ? { signal: runtime.signal } : {}),
  });
  return { outputs: result.values, calls: result.calls };
}
