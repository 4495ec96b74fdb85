import type { Example } from "../../program/example.js";
import type { ProgramState } from "../../program/state.js";
import type { Demo } from "../../program/types.js";
import type { Rng } from "../../util/rng.js";
import type { Graph } from "../../graph/types.js";
import { labeledDemo } from "../demos.js";
import type { Best, ScoreSet } from "../types.js";

/** The state with each LM step's demos replaced (steps not given keep theirs). */
export function withDemos(base: ProgramState, demos: ReadonlyMap<string, Demo[]>): ProgramState {
  const steps: ProgramState["steps"] = {};
  for (const [name, s] of Object.entries(base.steps)) steps[name] = { instruction: s.instruction, demos: demos.get(name) ?? s.demos };
  return { steps };
}

/** The state with one step's instruction replaced. */
export function withInstruction(base: ProgramState, step: string, instruction: string): ProgramState {
  const steps: ProgramState["steps"] = {};
  for (const [name, s] of Object.entries(base.steps)) steps[name] = name === step ? { instruction, demos: s.demos } : { ...s };
  return { steps };
}

/** k labeled demos per LM step, drawn (seeded) from the train examples that can label that step. */
export function sampleLabeledDemos(graph: Graph, train: readonly Example[], k: number, rng: Rng): Map<string, Demo[]> {
  const out = new Map<string, Demo[]>();
  for (const step of graph.lmSteps) {
    const pool = train.flatMap((e) => {
      const d = labeledDemo(graph, step, e);
      return d ? [d] : [];
    });
    out.set(step, rng.sample(pool, k));
  }
  return out;
}

/** The better of two scored candidates; ties keep the first (the incumbent). */
export function better(a: Best, b: Best): Best {
  return b.score > a.score ? b : a;
}

export function bestOf(candidate: string, state: ProgramState, set: ScoreSet): Best {
  return { candidate, state, score: set.mean };
}
