import path from "node:path";
import { readDataset } from "../program/dataset.js";
import type { Example } from "../program/example.js";
import type { ProgramSpec, SplitName } from "../program/types.js";
import { UserError, type Problem } from "../util/errors.js";

export interface DataChoice {
  /** A JSONL file given on the command line. */
  dataset?: string;
  /** A split named in the program's `data:`. */
  split?: SplitName;
  limit?: number;
}

/** Where examples come from: an explicit file, else the named split, else dev, else test, else train. */
export function datasetPath(spec: ProgramSpec, choice: DataChoice): { file: string; label: string } {
  if (choice.dataset) return { file: path.resolve(choice.dataset), label: choice.dataset };
  const order: SplitName[] = choice.split ? [choice.split] : ["dev", "test", "train"];
  for (const split of order) {
    const file = spec.data[split];
    if (file) return { file, label: split };
  }
  if (choice.split) {
    throw new UserError({
      flag: "--split",
      message: `the program has no \`data.${choice.split}\` (it has: ${Object.keys(spec.data).join(", ") || "no data section"}); add it or pass --dataset <file.jsonl>`,
    });
  }
  throw new UserError({ flag: "--dataset", message: "the program has no `data:` section; pass --dataset <file.jsonl>" });
}

/** Reads examples and checks that every one carries the gold fields the metric reads. */
export async function loadExamples(spec: ProgramSpec, file: string, labels: readonly string[], limit?: number): Promise<Example[]> {
  const examples = await readDataset(file, { inputs: spec.inputs, ...(limit !== undefined ? { limit } : {}) });
  const problems: Problem[] = [];
  for (const ex of examples) {
    const missing = labels.filter((l) => !(l in ex.labels) && !(l in ex.inputs));
    if (missing.length > 0) {
      problems.push({
        message: `missing ${missing.map((m) => `\`${m}\``).join(", ")}, which the metric compares against`,
        ...(ex.source ? { pos: { file: ex.source.file, line: ex.source.line, col: 1 } } : {}),
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return examples;
}
