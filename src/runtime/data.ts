import path from "node:path";
import type { Graph } from "../graph/types.js";
import { readDataset, readExamples, type DatasetRead, type DatasetRules, type RowRef } from "../program/dataset.js";
import type { Example } from "../program/example.js";
import { closedGolds } from "../program/gold.js";
import type { ProgramSpec, SplitName } from "../program/types.js";
import { formatPos, UserError, type Problem } from "../util/errors.js";

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

/**
 * What every dataset of a program is checked against, by `validate`, `eval` and `optimize` alike:
 * the program's inputs (each of its type), the gold fields the metric reads (`labels`, from the
 * built metric), and gold values an `exact_match` compares with a closed output.
 */
export function datasetRules(program: { spec: ProgramSpec; graph: Graph }, labels: readonly string[]): DatasetRules {
  return { inputs: program.spec.inputs, labels, closedGolds: closedGolds(program.spec.metric, program.graph.outputs) };
}

/**
 * Reads examples, each checked against `rules`: every problem of the file is reported together.
 * `origin` says where the file was named (see `datasetOrigin`); it is added to problems about the
 * file as a whole (missing, a directory).
 */
export async function loadExamples(rules: DatasetRules, file: string, limit?: number, origin?: string): Promise<{ examples: Example[]; warnings: Problem[] }> {
  return namingOrigin(readExamples(file, { ...rules, ...(limit !== undefined ? { limit } : {}) }), origin);
}

/** Like `loadExamples`, each example handed to `onExample` as it is read rather than kept. */
export async function streamExamples(rules: DatasetRules, file: string, onExample: (example: Example, row: RowRef) => void, limit?: number, origin?: string): Promise<DatasetRead> {
  return namingOrigin(readDataset(file, { ...rules, ...(limit !== undefined ? { limit } : {}) }, onExample), origin);
}

async function namingOrigin<T>(reading: Promise<T>, origin: string | undefined): Promise<T> {
  try {
    return await reading;
  } catch (err) {
    if (!(err instanceof UserError) || origin === undefined) throw err;
    throw new UserError(err.problems.map((p) => (p.pos && p.pos.line === undefined && !p.hint ? { ...p, hint: origin } : p)));
  }
}

/** Where a dataset was named, for messages about it: `named by data.dev at p.yaml:13:8`, or the flag. */
export function datasetOrigin(spec: ProgramSpec, choice: { dataset?: string; split?: SplitName }, label: string): string {
  if (choice.dataset) return "given with --dataset";
  const pos = spec.positions.get(`data.${label}`);
  return `named by \`data.${label}\`${pos ? ` at ${formatPos(pos)}` : ""}`;
}
