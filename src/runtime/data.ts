import path from "node:path";
import { readDataset } from "../program/dataset.js";
import type { Example } from "../program/example.js";
import type { ProgramSpec, SplitName } from "../program/types.js";
import { formatPos, UserError } from "../util/errors.js";

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
 * Reads examples and checks that every one carries the gold fields the metric reads: those checks
 * are reported together with the file's other bad lines. `origin` says where the file was named
 * (see `datasetOrigin`); it is added to problems about the file as a whole (missing, a directory).
 */
export async function loadExamples(
  spec: ProgramSpec,
  file: string,
  labels: readonly string[],
  limit?: number,
  origin?: string,
): Promise<Example[]> {
  try {
    return await readDataset(file, { inputs: spec.inputs, labels, ...(limit !== undefined ? { limit } : {}) });
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
