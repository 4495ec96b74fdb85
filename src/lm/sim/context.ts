import type { LMCallMeta } from "../types.js";
import type { Demo } from "../../program/types.js";
import type { Noise } from "./noise.js";
import { similarities } from "./similarity.js";
import { fieldText, Terms, termsOf } from "./terms.js";

/** What every output field of one predict call is answered from. */
export interface PredictContext {
  meta: LMCallMeta;
  noise: Noise;
  /** The input fields read: the signature's, or every given input when it declares none. */
  inputFields: string[];
  /** All current inputs as text, and their stemmed content words. */
  inputText: string;
  input: Terms;
  /** Cosine of each demo's inputs to the current inputs (tf-idf, idf over this request). */
  demoSimilarity: number[];
  /** The same, perturbed when sampling: what demo votes are weighted by. */
  demoWeight: number[];
}

export function predictContext(meta: LMCallMeta, noise: Noise): PredictContext {
  const inputFields = meta.signature.inputs.length > 0 ? meta.signature.inputs.map((f) => f.name) : Object.keys(meta.inputs);
  const inputText = inputsText(meta.inputs, inputFields);
  const input = new Terms(termsOf(inputText));
  const demoSimilarity = similarities(
    input.list,
    meta.demos.map((d) => termsOf(inputsText(d, inputFields))),
  );
  const demoWeight = demoSimilarity.map((s) => (s > 0 ? noise.scale(s) : 0));
  return { meta, noise, inputFields, inputText, input, demoSimilarity, demoWeight };
}

export function inputsText(values: Demo, fields: readonly string[]): string {
  return fields.map((f) => fieldText(values[f])).join("\n");
}
