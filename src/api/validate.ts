import { readOptimizeSection } from "../optimize/settings.js";
import { UserError, type Problem } from "../util/errors.js";
import type { Example } from "../program/example.js";
import { leakageWarnings } from "../program/overlap.js";
import type { SplitName } from "../program/types.js";
import { displayPath } from "../util/display-path.js";
import type { Program } from "../runtime/program.js";
import { datasetOrigin, datasetRules, loadExamples } from "../runtime/data.js";

export interface SplitCheck {
  split: SplitName;
  file: string;
  examples: number;
}

/**
 * Everything `dspx validate` checks beyond compiling: the metric can be built, every dataset the
 * program names reads cleanly against the same rules `eval` and `optimize` apply, and the
 * `optimize:` section is what `dspx optimize` accepts (the same check, so the same messages). All
 * problems at once; `warnings` are what is worth knowing but not wrong (repeated rows, dev or test
 * examples whose inputs are in train).
 */
export async function validateProgram(program: Program): Promise<{ splits: SplitCheck[]; warnings: Problem[] }> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  let labels: readonly string[] = [];
  try {
    labels = (await program.metric()).labels;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(...err.problems);
  }
  const rules = datasetRules(program, labels);
  const splits: SplitCheck[] = [];
  const read = new Map<SplitName, Example[]>();
  for (const split of ["train", "dev", "test"] as const) {
    const file = program.spec.data[split];
    if (!file) continue;
    try {
      const { examples, warnings: found } = await loadExamples(rules, file, undefined, datasetOrigin(program.spec, {}, split));
      splits.push({ split, file, examples: examples.length });
      warnings.push(...found);
      read.set(split, examples);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push(...err.problems);
    }
  }
  try {
    readOptimizeSection(program.spec);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0) throw new UserError(problems);
  const train = read.get("train");
  if (train) {
    const heldOut = (["dev", "test"] as const).flatMap((split) => {
      const examples = read.get(split);
      return examples ? [{ label: split, file: displayPath(program.spec.data[split]!), examples }] : [];
    });
    warnings.push(...leakageWarnings(train, heldOut));
  }
  return { splits, warnings };
}
