import type { Problem, SourcePos } from "../util/errors.js";
import type { BudgetLimits } from "./budget.js";

/** Where a run's limit came from: a `--budget-*` flag, the program's `optimize.budget`, or the default LM-call cap. */
export type LimitSource = { kind: "flag" } | { kind: "program"; pos?: SourcePos } | { kind: "default" };

/** Where each limit in force came from. */
export type LimitSources = Partial<Record<keyof BudgetLimits, LimitSource>>;

/** The flag and the `optimize.budget` key of each limit. */
const NAMES: Record<keyof BudgetLimits, { flag: string; key: string }> = {
  calls: { flag: "--budget-calls", key: "calls" },
  usd: { flag: "--budget-usd", key: "usd" },
  timeMs: { flag: "--budget-time", key: "time" },
  rollouts: { flag: "--budget-rollouts", key: "rollouts" },
};

/**
 * Where each limit in force came from: the flags override `optimize.budget` key by key; the default
 * cap stands only when neither gave any limit. `positions` are the program's source positions.
 */
export function limitSources(flags: BudgetLimits, section: BudgetLimits, positions: ReadonlyMap<string, SourcePos>): LimitSources {
  const sources: LimitSources = {};
  let given = false;
  for (const limit of Object.keys(NAMES) as (keyof BudgetLimits)[]) {
    if (flags[limit] !== undefined) sources[limit] = { kind: "flag" };
    else if (section[limit] !== undefined) {
      const pos = positions.get(`optimize.budget.${NAMES[limit].key}`);
      sources[limit] = { kind: "program", ...(pos ? { pos } : {}) };
    } else continue;
    given = true;
  }
  if (!given) sources.calls = { kind: "default" };
  return sources;
}

/**
 * A refusal of a limit, named where it was set: the flag, the program file's `optimize.budget` key
 * (at its position), or the default (which no setting names: say how to give one). `what` says what
 * the limit cannot buy; `needed` the least that would do.
 */
export function limitProblem(limit: keyof BudgetLimits, source: LimitSource | undefined, what: string, needed: string): Problem {
  const { flag, key } = NAMES[limit];
  switch (source?.kind ?? "flag") {
    case "program":
      return { ...(source?.kind === "program" && source.pos ? { pos: source.pos } : {}), message: `\`optimize.budget.${key}\`: ${what}; give at least \`${key}: ${needed}\` (or ${flag} ${needed})` };
    case "default":
      return { message: `the default budget of ${what} (no budget was given); give at least ${flag} ${needed}, or \`optimize.budget.${key}: ${needed}\` in the program` };
    default:
      return { flag, message: `${what}; give at least ${flag} ${needed}` };
  }
}

/** A problem with a limit that no amount fixes (a USD budget on a model of unknown price), named where the limit was set. */
export function limitNamed(limit: keyof BudgetLimits, source: LimitSource | undefined, message: string): Problem {
  const { flag, key } = NAMES[limit];
  if (source?.kind === "program") return { ...(source.pos ? { pos: source.pos } : {}), message: `\`optimize.budget.${key}\`: ${message}` };
  return { flag, message };
}
