import { digestNumber, sha256 } from "../util/canonical.js";
import type { Problem } from "../util/errors.js";
import type { Example } from "./example.js";
import { exampleJson } from "./example-json.js";

/** How many ids a leakage warning names. */
const NAMED_IDS = 3;

/**
 * The inputs of a train set, as 52-bit hashes of their canonical JSON: what finding a held-out
 * example the program was optimized on needs, without holding the train examples.
 */
export class TrainInputs {
  private readonly keys = new Set<number>();

  constructor(train: Iterable<Example> = []) {
    for (const example of train) this.add(example);
  }

  add(example: Example): void {
    this.keys.add(inputsKey(example));
  }

  has(example: Example): boolean {
    return this.keys.size > 0 && this.keys.has(inputsKey(example));
  }
}

/**
 * Held-out examples (dev, test) whose inputs are those of a train example, counted one example at
 * a time (so a streamed dataset need not be held): the program was optimized on them (as demos, or
 * in what the optimizer learned), so their scores overstate how it does on new inputs. Inputs
 * compare by content, whatever the ids; labels do not matter.
 */
export class Leakage {
  private shared = 0;
  private seen = 0;
  private readonly ids: string[] = [];

  constructor(private readonly train: TrainInputs) {}

  check(example: Example): void {
    this.seen++;
    if (!this.train.has(example)) return;
    this.shared++;
    if (this.ids.length < NAMED_IDS) this.ids.push(example.id);
  }

  /** The warning for the held-out set checked (`label`, read from `file`), or undefined when it shares nothing with train. */
  warning(label: string, file: string): Problem | undefined {
    if (this.shared === 0) return undefined;
    const more = this.shared > this.ids.length ? ", …" : "";
    return {
      message: `${label} shares the inputs of ${this.shared} of its ${this.seen} examples with train (${this.ids.map((id) => JSON.stringify(id)).join(", ")}${more}), a leak: their scores overstate how the program does on inputs it has not seen`,
      pos: { file },
    };
  }
}

/** The leakage warning of each held-out set against train, in order (none for a set that shares nothing). */
export function leakageWarnings(train: readonly Example[], heldOut: readonly { label: string; file: string; examples: readonly Example[] }[]): Problem[] {
  const inputs = new TrainInputs(train);
  const warnings: Problem[] = [];
  for (const set of heldOut) {
    const leak = new Leakage(inputs);
    for (const example of set.examples) leak.check(example);
    const warning = leak.warning(set.label, set.file);
    if (warning) warnings.push(warning);
  }
  return warnings;
}

function inputsKey(example: Example): number {
  // hashOf(example.inputs), from the canonical text its memo key and stored blob are made of too.
  return digestNumber(sha256(exampleJson(example).inputs));
}
