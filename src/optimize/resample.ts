import { canonicalJson, sha256 } from "../util/canonical.js";
import type { ProposeArgs } from "./types.js";

/**
 * Proposal requests whose answer could not be read, by `proposalKey`, with how many rounds of them
 * failed. Kept in an optimizer's checkpointed state: a request asked again goes at later samples, so
 * the unreadable answer (which the LM cache holds) is not what it gets again, and a resumed run,
 * reading the same state, asks exactly what the uninterrupted one asked.
 */
export type Unreadable = Record<string, number>;

/** What identifies a proposal request apart from its sample: the same key, the same prompt. */
export function proposalKey(args: Omit<ProposeArgs, "sample">): string {
  return sha256(canonicalJson({ purpose: args.purpose, step: args.step, instruction: args.instruction, records: args.records })).slice(0, 16);
}

/**
 * The sample for proposal `index` of a round of `per` proposals of one request (0 ≤ index < per):
 * `index` the first time, shifted past every earlier round that had an unreadable answer.
 */
export function sampleFor(unreadable: Unreadable | undefined, key: string, index = 0, per = 1): number {
  return index + per * (unreadable?.[key] ?? 0);
}

/** Notes a round of proposals of `key` with an unreadable answer: the next round samples anew. */
export function noteUnreadable(unreadable: Unreadable, key: string): void {
  unreadable[key] = (unreadable[key] ?? 0) + 1;
}
