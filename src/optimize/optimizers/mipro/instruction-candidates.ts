import type { FeedbackRecord } from "../../../lm/types.js";
import type { Demo } from "../../../program/types.js";
import { TIPS } from "../../propose.js";
import type { OptimizeContext } from "../../types.js";
import type { MiproSettings } from "./settings.js";
import type { MiproState } from "./state.js";
import { agentGrounding } from "./tool-grounding.js";

/** Train examples the dataset summary is written from (a seeded sample). */
export const DATASET_VIEW = 200;
/** Demos of a step shown with each proposal. */
export const DEMOS_SHOWN = 3;
const TIP_NAMES = Object.keys(TIPS);

/**
 * The summaries step: the program summary, then the dataset summary (from a seeded sample of train),
 * each asked once; what they say is kept in the state, so a resumed run never asks again (and a
 * kill between the two is answered from the LM cache). An unreadable answer leaves that summary empty.
 */
export async function writeSummaries(ctx: OptimizeContext<MiproSettings>, state: MiproState): Promise<void> {
  ctx.phase("mipro: summarizing the program");
  const program = await ctx.summarize({ kind: "program" });
  const shown = ctx.rng.sample(ctx.trainset, DATASET_VIEW);
  ctx.phase(`mipro: summarizing the dataset (${shown.length} train examples)`);
  const dataset = await ctx.summarize({ kind: "dataset", examples: shown });
  for (const [kind, s] of [["program", program], ["dataset", dataset]] as const) {
    // The log's line shows the summary's first line; the event keeps all of it.
    const [head = "", ...more] = s.ok ? s.text.split("\n") : [];
    if (s.ok) ctx.event("summary", { summary: `${kind} summary: ${head}${more.length > 0 ? ` (+${more.length} lines)` : ""}`, kind, text: s.text });
    else ctx.event("proposal-failed", { summary: `the ${kind} summary could not be read; proposals go without it`, kind, error: s.error });
  }
  state.summaries = { program: program.ok ? program.text : "", dataset: dataset.ok ? dataset.text : "" };
}

/** A demo of a step as a record a proposal shows: its inputs, and its outputs as the expected ones. */
function demoRecord(ctx: OptimizeContext, step: string, demo: Demo): FeedbackRecord {
  const compiled = ctx.graph.steps.find((s) => s.name === step)!;
  const pick = (names: string[]) => Object.fromEntries(names.filter((n) => demo[n] !== undefined).map((n) => [n, demo[n]]));
  return { inputs: pick(compiled.signature.inputs.map((f) => f.name)), expected: pick(compiled.outputs.map((f) => f.name)) };
}

/**
 * The demos proposal `j` (1-based) of a step is shown: those of the demo sets that bootstrapped
 * traces for the step (any set with demos when none did), taken in turn, the first few of each.
 */
function shownDemos(state: MiproState, step: string, j: number): Demo[] {
  const withDemos = state.demoSets.filter((s) => (s.demos[step] ?? []).length > 0);
  const traced = withDemos.filter((s) => (s.bootstrapped[step] ?? 0) > 0);
  const pool = traced.length > 0 ? traced : withDemos;
  if (pool.length === 0) return [];
  return pool[(j - 1) % pool.length]!.demos[step]!.slice(0, DEMOS_SHOWN);
}

/**
 * The proposals of one LM step (the next in `state.proposing`): `candidates − 1` grounded proposals,
 * each shown the summaries, a few demos of the step, its current instruction and a tip drawn with
 * the seed (and, for an agent step, its tools and the teacher's tool calls: tool-grounding.ts), at
 * sample j (temperature 1), so each differs. All are asked before any answer is used; answers are
 * used in order, an unreadable one or a repeat is left out. Edits `state`.
 */
export async function proposeForStep(ctx: OptimizeContext<MiproSettings>, state: MiproState): Promise<void> {
  const step = state.lmSteps[state.proposing]!;
  const current = ctx.baseline.steps[step]?.instruction ?? "";
  const n = state.candidates - 1;
  const asks = Array.from({ length: n }, (_, i) => {
    const j = i + 1;
    return { j, tip: ctx.rng.pick(TIP_NAMES), records: shownDemos(state, step, j).map((d) => demoRecord(ctx, step, d)) };
  });
  ctx.phase(`mipro: proposing ${n} instructions for ${step}`);
  const summaries = state.summaries ?? { program: "", dataset: "" };
  // An agent step's proposals also see its tools and how the teacher used them.
  const agent = agentGrounding(ctx, state, step);
  const answers = await Promise.all(
    asks.map((a) =>
      ctx.propose({ step, instruction: current, records: a.records, purpose: "propose_instruction", sample: a.j, grounding: { ...summaries, tip: a.tip, ...(agent ? { agent } : {}) } }),
    ),
  );
  const choices = state.choices[step]!;
  answers.forEach((answer, i) => {
    const { j, tip } = asks[i]!;
    if (!answer.ok) {
      ctx.event("proposal-failed", { summary: `instruction ${j} for ${step} (tip ${tip}) could not be read; going on`, step, tip, error: answer.error });
      return;
    }
    if (choices.instructions.includes(answer.instruction)) {
      ctx.event("pruned", { summary: `instruction ${j} for ${step} (tip ${tip}) repeats one already proposed`, step, tip });
      return;
    }
    choices.instructions.push(answer.instruction);
    choices.instructionTips.push(tip);
    ctx.event("proposal", { summary: `instruction candidate ${choices.instructions.length - 1} for ${step} (tip ${tip})`, step, tip, instruction: answer.instruction });
  });
  state.proposing += 1;
}
