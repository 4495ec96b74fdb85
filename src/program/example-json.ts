import { canonicalJson } from "../util/canonical.js";
import type { Example } from "./example.js";

/** An example's inputs and labels as canonical JSON (keys sorted at every depth, as `canonicalJson` writes them). */
export interface ExampleJson {
  readonly inputs: string;
  readonly labels: string;
}

const texts = new WeakMap<Example, { inputs?: string; labels?: string }>();

/**
 * Each written once per example object, when first asked for: an example's memo key, its stored
 * blob and the train-leakage check are all made of these texts, and an optimizer scores one example
 * under many candidates.
 */
export function exampleJson(example: Example): ExampleJson {
  let memo = texts.get(example);
  if (memo === undefined) {
    memo = {};
    texts.set(example, memo);
  }
  const m = memo;
  return {
    get inputs() {
      return (m.inputs ??= canonicalJson(example.inputs));
    },
    get labels() {
      return (m.labels ??= canonicalJson(example.labels));
    },
  };
}
