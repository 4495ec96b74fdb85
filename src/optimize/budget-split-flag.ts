import { UserError } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import { percent } from "./settings.js";
import { OPTIMIZERS, type OptimizerName } from "./types.js";

export const BUDGET_SPLIT_FLAG = "--budget-split";
const FORM = "each optimizer's share of the budget, name=share separated by commas: bootstrap=20%,gepa=80%";
const PERCENT = "a percentage: 20% (or 20), more than 0 and at most 100";

/**
 * `--budget-split bootstrap=20%,gepa=80%`: `optimize.budget_split` on the command line. Each share
 * is read by the schema the file's shares are read with (`20%` or `20`); `name:share` is taken as
 * well, as the file writes it. Whether the split fits the sequence (every stage once, adding up to
 * 100%) is checked with the run's sequence, as for the file (sequenceProblems). Every problem at
 * once, as one UserError naming the flag.
 */
export function parseBudgetSplit(text: string): Partial<Record<OptimizerName, number>> {
  const split: Partial<Record<OptimizerName, number>> = {};
  const problems: string[] = [];
  const parts = text.split(",").map((p) => p.trim());
  if (parts.every((p) => p === "")) throw new UserError({ flag: BUDGET_SPLIT_FLAG, message: `expected ${FORM}` });
  for (const part of parts) {
    const at = part.search(/[=:]/);
    if (at < 0) {
      problems.push(part === "" ? `an empty share (two commas in a row, or one at an end)` : `\`${part}\` is not name=share`);
      continue;
    }
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (!isOptimizer(name)) {
      const hint = suggestionHint(name, OPTIMIZERS);
      problems.push(`${name === "" ? "a share with no optimizer name" : `\`${name}\` is not an optimizer (expected one of: ${OPTIMIZERS.join(", ")})`}${hint ? ` (${hint})` : ""}`);
      continue;
    }
    if (split[name] !== undefined) {
      problems.push(`\`${name}\` is given twice`);
      continue;
    }
    // A bare number is what the file's `bootstrap: 20` is: read as that number, as YAML does.
    const read = percent.safeParse(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
    if (read.success) split[name] = read.data;
    else problems.push(`\`${name}\`: expected ${PERCENT}, got ${value === "" ? "nothing" : `"${value}"`}`);
  }
  if (problems.length > 0) throw new UserError({ flag: BUDGET_SPLIT_FLAG, message: `${problems.join("; ")}; expected ${FORM}` });
  return split;
}

function isOptimizer(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}
