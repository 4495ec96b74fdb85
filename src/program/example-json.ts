import { canonicalJson } from "../util/canonical.js";
import type { Example } from "./example.js";

/** An example's inputs and labels as canonical JSON (keys sorted at every depth, as `canonicalJson` writes them). */
export interface ExampleJson {
  inputs: string;
  labels: string;
}

const texts = new WeakMap<Example, ExampleJson>();

/**
 * Written once per example object: its memo key and its stored blob are both made of these two
 * texts, for every candidate that scores it (an optimizer scores one example many times).
 */
export function exampleJson(example: Example): ExampleJson {
  let json = texts.get(example);
  if (json === undefined) {
    json = { inputs: canonicalJson(example.inputs), labels: canonicalJson(example.labels) };
    texts.set(example, json);
  }
  return json;
}
