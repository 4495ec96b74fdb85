import type { ProgramState, StepState } from "../../../program/state.js";
import { canonicalJson } from "../../../util/canonical.js";
import type { Rng } from "../../../util/rng.js";
import { EPSILON } from "./pareto.js";

/** What merge needs to know of a pool member. */
export interface Lineage {
  state: ProgramState;
  /** Pool indices of its parents. */
  parents: readonly number[];
  /** Its dev mean. */
  mean: number;
}

/** A merge: two descendants of a common ancestor that changed different LM steps relative to it. */
export interface MergePlan {
  a: number;
  b: number;
  ancestor: number;
  /** The steps each descendant changed relative to the ancestor (disjoint, neither empty). */
  fromA: string[];
  fromB: string[];
  state: ProgramState;
}

/** Every ancestor of a pool member (parents, their parents, …), not the member itself. */
export function ancestors(pool: readonly Lineage[], index: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...(pool[index]?.parents ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...(pool[p]?.parents ?? []));
  }
  return seen;
}

function sameStep(x: StepState | undefined, y: StepState | undefined): boolean {
  return canonicalJson(x ?? null) === canonicalJson(y ?? null);
}

/** The LM steps whose instruction or demos differ between two states, in `steps` order. */
export function changedSteps(from: ProgramState, to: ProgramState, steps: readonly string[]): string[] {
  return steps.filter((s) => !sameStep(from.steps[s], to.steps[s]));
}

/**
 * The merged state of a and b over their ancestor, or why there is none: each step comes from the
 * descendant that changed it, from the ancestor when neither did. Refused when the two share no
 * ancestor, when one descends from the other, when either changed nothing, and when they changed
 * the same step (there would be no telling which version to keep).
 */
export function mergeOver(pool: readonly Lineage[], a: number, b: number, ancestor: number, steps: readonly string[]): MergePlan | { refused: string } {
  if (a === b) return { refused: "the same candidate twice" };
  const upA = ancestors(pool, a);
  const upB = ancestors(pool, b);
  if (upA.has(b) || upB.has(a)) return { refused: "one descends from the other" };
  if (!upA.has(ancestor) || !upB.has(ancestor)) return { refused: "no such common ancestor" };
  const base = pool[ancestor]!.state;
  const fromA = changedSteps(base, pool[a]!.state, steps);
  const fromB = changedSteps(base, pool[b]!.state, steps);
  if (fromA.length === 0 || fromB.length === 0) return { refused: "a descendant changed nothing" };
  if (fromA.some((s) => fromB.includes(s))) return { refused: `both changed ${fromA.filter((s) => fromB.includes(s)).join(", ")}` };
  const merged: ProgramState["steps"] = {};
  for (const [name, s] of Object.entries(base.steps)) {
    const source = fromA.includes(name) ? pool[a]!.state : fromB.includes(name) ? pool[b]!.state : base;
    const step = source.steps[name] ?? s;
    merged[name] = { instruction: step.instruction, demos: step.demos.map((d) => ({ ...d })) };
  }
  return { a, b, ancestor, fromA, fromB, state: { steps: merged } };
}

/** The key under which a (pair, ancestor) triple is remembered as tried. */
export function tripleKey(a: number, b: number, ancestor: number): string {
  return `${Math.min(a, b)}+${Math.max(a, b)}/${ancestor}`;
}

/**
 * Every merge possible among the given frontier candidates: pairs (a < b) with a common ancestor
 * that scores no better than either on dev (so both improved on it), changed disjoint steps,
 * whose merged state is new to the pool and whose triple was not tried before. In a fixed order.
 */
export function mergeOptions(
  pool: readonly Lineage[],
  frontier: readonly number[],
  steps: readonly string[],
  tried: readonly string[],
  known: (state: ProgramState) => boolean,
): MergePlan[] {
  const out: MergePlan[] = [];
  const members = [...frontier].sort((x, y) => x - y);
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const a = members[i]!;
      const b = members[j]!;
      const upB = ancestors(pool, b);
      const common = [...ancestors(pool, a)].filter((x) => upB.has(x)).sort((x, y) => x - y);
      for (const ancestor of common) {
        if (tried.includes(tripleKey(a, b, ancestor))) continue;
        const m = pool[ancestor]!.mean;
        if (m > pool[a]!.mean + EPSILON || m > pool[b]!.mean + EPSILON) continue;
        const plan = mergeOver(pool, a, b, ancestor, steps);
        if ("refused" in plan || known(plan.state)) continue;
        out.push(plan);
      }
    }
  }
  return out;
}

/** One of the possible merges, drawn with the run's RNG; none when there is none. */
export function pickMerge(options: readonly MergePlan[], rng: Rng): MergePlan | undefined {
  return options.length === 0 ? undefined : options[rng.int(options.length)];
}

/**
 * The dev examples (indices) to judge a merge on: up to `size` of those where the parents' scores
 * differ (drawn seeded), topped up with others when they differ on fewer. Ascending.
 */
export function mergeSubsample(a: readonly number[], b: readonly number[], size: number, rng: Rng): number[] {
  const all = Array.from({ length: Math.max(a.length, b.length) }, (_, k) => k);
  const differ = all.filter((k) => Math.abs((a[k] ?? 0) - (b[k] ?? 0)) > EPSILON);
  const same = all.filter((k) => Math.abs((a[k] ?? 0) - (b[k] ?? 0)) <= EPSILON);
  const picked = rng.sample(differ, size);
  if (picked.length < size) picked.push(...rng.sample(same, size - picked.length));
  return picked.sort((x, y) => x - y);
}
