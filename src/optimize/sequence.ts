import { sortProblems, type Problem, type SourcePos } from "../util/errors.js";
import type { OptimizerName } from "./types.js";

/**
 * Optimizers in sequence (`--optimizer bootstrap,gepa`, `optimize.optimizer: [bootstrap, gepa]`):
 * one run whose stages run in order, each starting from the best state the one before found, under
 * one budget split across them (budget-split.ts). This file names a sequence and checks one.
 */

/** The run's optimizer as the run is named: `gepa`, or `bootstrap,gepa` for a sequence. */
export function sequenceName(names: readonly OptimizerName[]): string {
  return names.join(",");
}

/**
 * What is wrong with a sequence and the budget split given for it, at the program's positions:
 * an optimizer named twice (a stage starts from the best of the one before: running one again is
 * a second sequence, not a longer one), and a split that does not give a share to exactly the
 * optimizers of the sequence, or whose shares do not add up to 100%. With no sequence known yet (a
 * program whose `optimize.optimizer` names none, or one: `--optimizer` may name the sequence), only
 * the sum is checked. A split given by a flag (`splitFlag`: `--budget-split`) is checked against
 * the run's sequence, its problems naming the flag; it splits a sequence, so one optimizer is a
 * problem too.
 */
export function sequenceProblems(
  names: readonly OptimizerName[] | undefined,
  split: Partial<Record<OptimizerName, number>> | undefined,
  positions: ReadonlyMap<string, SourcePos>,
  splitFlag?: string,
): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string): { pos?: SourcePos } => {
    const pos = positions.get(path) ?? positions.get("optimize");
    return pos ? { pos } : {};
  };
  // Where a split problem is: the flag, or the key of the file (named in the message, as zod's are).
  const splitProblem = (key: string | undefined, message: string): Problem => {
    const path = key ? `optimize.budget_split.${key}` : "optimize.budget_split";
    return splitFlag ? { flag: splitFlag, message } : { message: `\`${path}\`: ${message}`, ...at(path) };
  };
  names?.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push({ message: `\`optimize.optimizer\`: \`${name}\` is already in the sequence; a sequence runs each optimizer once`, ...at(`optimize.optimizer.${i}`) });
  });
  if (!split) return sortProblems(problems);
  const shares = Object.entries(split) as [OptimizerName, number][];
  if (splitFlag && names && names.length === 1) {
    problems.push(splitProblem(undefined, `splits the budget of a sequence (--optimizer bootstrap,gepa), and this run has one optimizer (${names[0]})`));
  }
  if (names && names.length > 1) {
    const list = names.join(", ");
    for (const [name] of shares) {
      if (!names.includes(name)) problems.push(splitProblem(name, `\`${name}\` is not in the sequence (${list})`));
    }
    const missing = names.filter((n) => split[n] === undefined);
    if (missing.length > 0) problems.push(splitProblem(undefined, `gives no share to ${missing.map((n) => `\`${n}\``).join(", ")}; it gives one to each optimizer of the sequence (${list})`));
  }
  const total = shares.reduce((a, [, p]) => a + p, 0);
  if (Math.abs(total - 100) > 1e-6) problems.push(splitProblem(undefined, `the shares add up to ${+total.toFixed(4)}%, not 100%`));
  return sortProblems(problems);
}
