import type { Example } from "../../../program/example.js";
import { stateHash, type ProgramState } from "../../../program/state.js";
import { noteUnreadable, proposalKey, sampleFor } from "../../resample.js";
import type { OptimizeContext } from "../../types.js";
import { withDemos, withInstruction } from "../common.js";
import { freshDemos } from "./pools.js";
import type { BeamSettings } from "./settings.js";
import type { BeamState, Child } from "./state.js";

/**
 * Which demos proposal `j` of a member goes with. Even proposals (the first among them: the
 * temperature-0 rewrite) keep the member's demos, so the beam always sees what the new instruction
 * alone is worth and a good demo set is never lost; odd proposals pair the rewrite with a fresh
 * seeded set of labeled demos for the rewritten step, so demo sets are searched alongside
 * instructions (and a rewrite that would not change anything still yields a new candidate).
 */
export function demoChoice(j: number, settings: BeamSettings): Child["demos"] {
  return settings.demos > 0 && j % 2 === 1 ? "fresh" : "kept";
}

/**
 * Expands the next beam member of the pending iteration: scores it on the minibatch, asks for
 * `proposals` rewrites of one LM step's instruction from its records there, pairs each with a demo
 * set, and scores the new children on the same minibatch. Edits `state` (a copy the caller owns).
 */
export async function expandMember(ctx: OptimizeContext, state: BeamState, settings: BeamSettings, byId: ReadonlyMap<string, Example>): Promise<void> {
  const pending = state.pending!;
  const index = pending.next;
  const member = state.beam[index]!;
  const step = state.lmSteps[(state.offset + state.turn) % state.lmSteps.length]!;
  const where = `beam iteration ${state.iteration + 1}, member ${index + 1}/${state.beam.length}`;
  const minibatch = pending.minibatch.map((id) => byId.get(id)!);

  ctx.phase(`${where}: scoring it on ${minibatch.length} train examples`);
  const parentSet = await ctx.evaluate(member.state, minibatch, "train");
  const records = ctx.records(parentSet.results, byId, step);
  const failures = records.filter((r) => (r.score ?? 0) < 1).length;

  ctx.phase(`${where}: ${settings.proposals} rewrites of ${step} (${failures} of ${records.length} examples short of full marks)`);
  const current = member.state.steps[step]?.instruction ?? "";
  const key = proposalKey({ purpose: "propose_instruction", step, instruction: current, records });
  const samples = Array.from({ length: settings.proposals }, (_, j) => sampleFor(state.unreadable, key, j, settings.proposals));
  // All requests are made before any answer is used, and answers are used in proposal order.
  const proposals = await Promise.all(samples.map((sample) => ctx.propose({ step, instruction: current, records, purpose: "propose_instruction", sample })));
  if (proposals.some((p) => !p.ok)) noteUnreadable((state.unreadable ??= {}), key);

  const known = new Set([...state.beam.map((m) => m.candidate), ...pending.children.map((c) => c.candidate)]);
  const fresh: Omit<Child, "score">[] = [];
  proposals.forEach((proposal, j) => {
    if (!proposal.ok) {
      ctx.event("proposal-failed", { summary: `${where}: proposal ${j + 1} for ${step} could not be read (sample ${samples[j]}); going on`, error: proposal.error, sample: samples[j], parent: member.candidate, step });
      return;
    }
    const instruction = proposal.instruction;
    const demos = demoChoice(j, settings);
    let childState: ProgramState = withInstruction(member.state, step, instruction);
    if (demos === "fresh") {
      const pool = state.demoPool.map((id) => byId.get(id)!);
      childState = withDemos(childState, new Map([[step, freshDemos(ctx.graph, step, pool, settings.demos, ctx.rng)]]));
    }
    const hash = stateHash(childState);
    if (known.has(hash)) {
      ctx.event("pruned", { summary: `${where}: proposal ${j + 1} for ${step} repeats a candidate already on the beam or in this iteration`, candidate: hash, step });
      return;
    }
    known.add(hash);
    const candidate = ctx.candidate(childState, demos === "fresh" ? `beam:${step}+demos` : `beam:${step}`, [member.candidate]);
    fresh.push({ candidate, state: childState, parent: member.candidate, step, demos });
  });

  for (const [i, child] of fresh.entries()) {
    ctx.phase(`${where}: scoring rewrite ${i + 1}/${fresh.length} of ${step} on the minibatch`);
    const set = await ctx.evaluate(child.state, minibatch, "train");
    pending.children.push({ ...child, score: set.mean });
    const delta = set.mean - parentSet.mean;
    ctx.event("proposal", {
      summary: `${where}: ${step} rewrite${child.demos === "fresh" ? " + fresh demos" : ""} scores ${set.mean.toFixed(3)} on the minibatch (parent ${parentSet.mean.toFixed(3)}, ${delta >= 0 ? "+" : ""}${delta.toFixed(3)})`,
      candidate: child.candidate,
      parent: child.parent,
      step,
      demos: child.demos,
      minibatch: set.mean,
      parentMinibatch: parentSet.mean,
    });
  }
  pending.parents.push(parentSet.mean);
  pending.next += 1;
  state.turn += 1;
}
