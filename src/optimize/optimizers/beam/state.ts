import type { ProgramState } from "../../../program/state.js";
import type { Unreadable } from "../../resample.js";
import type { Best } from "../../types.js";

/** A candidate on the beam. */
export interface Member {
  candidate: string;
  state: ProgramState;
}

/** A rewrite of a beam member, scored on the iteration's minibatch. */
export interface Child extends Member {
  parent: string;
  /** The LM step whose instruction was rewritten. */
  step: string;
  /** The member's demos were kept, or the rewritten step got a fresh labeled set. */
  demos: "kept" | "fresh";
  /** Minibatch mean. */
  score: number;
}

/** An iteration under way: its minibatch and what the members expanded so far produced. */
export interface Pending {
  /** Example ids of the minibatch, shared by every candidate of the iteration. */
  minibatch: string[];
  /** How many members (the first ones of `beam`) this iteration expands: all unless the budget is short. */
  members: number;
  /** Index (in `beam`) of the next member to expand. */
  next: number;
  /** Minibatch mean of each expanded member, in beam order. */
  parents: number[];
  /** Children in proposal order (member by member, proposal by proposal); duplicates left out. */
  children: Child[];
}

/**
 * Everything beam search knows between steps. Plain JSON: no Map, Set or class instance, so a
 * checkpoint is the state itself and resuming from `JSON.parse(JSON.stringify(state))` continues
 * exactly where an uninterrupted run would.
 */
export interface BeamState {
  v: 1;
  /** Nominal LM calls per evaluated example (measured on the baseline): for budget estimates. */
  callsPerExample: number;
  /** The program's LM steps, in program order. */
  lmSteps: string[];
  /** Seeded start of the round-robin over LM steps … */
  offset: number;
  /** … and how many member expansions have happened (the step of the next one is lmSteps[(offset + turn) % n]). */
  turn: number;
  /** Train example ids demos are drawn from, and ids minibatches are drawn from (disjoint when train allows). */
  demoPool: string[];
  batchPool: string[];
  /** The current pass over batchPool (shuffled) and the position in it. */
  order: string[];
  cursor: number;
  /** Iterations completed. */
  iteration: number;
  /** Iterations in a row where no child beat its parent on the minibatch. */
  stale: number;
  /** Why the search stopped, once it has. */
  stopped?: string;
  /** The beam, best first by the last minibatch ranking. */
  beam: Member[];
  /** Dev score by candidate hash, for every candidate scored on dev. */
  dev: Record<string, number>;
  /** The best candidate by dev score over every candidate scored on dev (the baseline included). */
  best: Best;
  pending?: Pending;
  /** Proposal requests whose answer could not be read: asked again, they go at other samples. */
  unreadable?: Unreadable;
}
