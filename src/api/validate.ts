import { readOptimizeSection } from "../optimize/settings.js";
import { UserError, type Problem } from "../util/errors.js";
import type { SplitName } from "../program/types.js";
import type { Program } from "../runtime/program.js";
import { datasetOrigin, loadExamples } from "../runtime/data.js";

export interface SplitCheck {
  split: SplitName;
  file: string;
  examples: number;
}

/**
 * Everything `dspx validate` checks beyond compiling: the metric can be built, every dataset the
 * program names reads cleanly and carries the gold fields the metric needs, and the `optimize:`
 * section is what `dspx optimize` accepts (the same check, so the same messages). All problems at once.
 */
export async function validateProgram(program: Program): Promise<{ splits: SplitCheck[] }> {
  const problems: Problem[] = [];
  let labels: readonly string[] = [];
  try {
    labels = (await program.metric()).labels;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    problems.push(...err.problems);
  }
  const splits: SplitCheck[] = [];
  for (const split of ["train", "dev", "test"] as const) {
    const file = program.spec.data[split];
    if (!file) continue;
    try {
      const examples = await loadExamples(program.spec, file, labels, undefined, datasetOrigin(program.spec, {}, split));
      splits.push({ split, file, examples: examples.length });
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
  return { splits };
}
