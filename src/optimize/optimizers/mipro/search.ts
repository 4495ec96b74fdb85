import type { Example } from "../../../program/example.js";
import type { ProgramState } from "../../../program/state.js";
import { configKey, suggest } from "../../tpe.js";
import type { OptimizeContext } from "../../types.js";
import type { MiproSettings } from "./settings.js";
import type { MiproState, TrialRecord } from "./state.js";

/**
 * The search: TPE over every LM step's instruction index and demo-set index jointly. Each trial
 * scores its configuration on a dev minibatch drawn with the seed; a configuration tried before is
 * answered from its trial (nothing scored again). Every `full_eval_every` trials, and at the end,
 * the trial with the best minibatch mean not yet fully evaluated is scored on the rest of the dev
 * sample; the best fully evaluated configuration is the result. With a dev sample no larger than
 * the minibatch, every trial is a full evaluation.
 */

/** Options per dimension: [instructions, demo sets] of each LM step, in step order. */
export function spaceSizes(state: MiproState): number[] {
  return state.lmSteps.flatMap((s) => [state.choices[s]!.instructions.length, state.choices[s]!.demos.length]);
}

export function configState(state: MiproState, config: readonly number[]): ProgramState {
  const steps: ProgramState["steps"] = { ...state.baseline.state.steps };
  state.lmSteps.forEach((s, i) => {
    const c = state.choices[s]!;
    steps[s] = { instruction: c.instructions[config[2 * i]!]!, demos: c.demos[config[2 * i + 1]!]!.map((d) => ({ ...d })) };
  });
  return { steps };
}

function describe(state: MiproState, config: readonly number[]): string {
  return state.lmSteps
    .map((s, i) => {
      const c = state.choices[s]!;
      const ins = config[2 * i]!;
      return `${s}: instruction ${ins}${ins === 0 ? " (the program's)" : ` (${c.instructionTips[ins]})`}, demos ${c.demoLabels[config[2 * i + 1]!]}`;
    })
    .join("; ");
}

function valsetExamples(ctx: OptimizeContext, state: MiproState): Example[] {
  const byId = new Map(ctx.devset.map((e) => [e.id, e]));
  return state.valset.map((id) => byId.get(id)!);
}

/** Whether a trial's minibatch is the whole dev sample (then every trial is fully evaluated). */
export function minibatchIsWhole(state: MiproState, settings: MiproSettings): boolean {
  return state.valset.length <= settings.minibatch;
}

/** Trials done after the baseline. */
export function trialsDone(state: MiproState): number {
  return state.history.length - 1;
}

/** What one trial and the full evaluation after it need at most (a full evaluation is kept back for the end). */
export function trialNeed(state: MiproState, settings: MiproSettings): { calls: number; rollouts: number } {
  const batch = Math.min(settings.minibatch, state.valset.length);
  const rest = minibatchIsWhole(state, settings) ? 0 : state.valset.length - batch;
  return { calls: (batch + rest) * state.callsPerExample, rollouts: batch + rest };
}

/** One trial (edits `state`). */
export async function runTrial(ctx: OptimizeContext<MiproSettings>, state: MiproState): Promise<void> {
  const s = ctx.settings;
  const n = trialsDone(state) + 1;
  const config = suggest(spaceSizes(state), state.history.map((t) => ({ config: t.config, value: t.value })), ctx.rng);
  const key = configKey(config);
  const earlier = state.history.findIndex((t) => configKey(t.config) === key && t.repeatOf === undefined);
  if (earlier >= 0) {
    const seen = state.history[earlier]!;
    state.history.push({ config, candidate: seen.candidate, value: seen.value, scores: {}, repeatOf: earlier });
    ctx.event("trial", { summary: `trial ${n}: repeats trial ${earlier}; its minibatch score ${seen.value.toFixed(3)} stands (nothing scored again)`, trial: n, config, candidate: seen.candidate });
  } else {
    const program = configState(state, config);
    const candidate = ctx.candidate(program, "mipro", [state.baseline.candidate]);
    const valset = valsetExamples(ctx, state);
    const whole = minibatchIsWhole(state, s);
    const batch = whole ? valset : sortedLike(ctx.rng.sample(valset, s.minibatch), state.valset);
    ctx.phase(`mipro trial ${n}/${state.trials}: scoring on ${batch.length} dev examples`);
    const set = await ctx.evaluate(program, batch, "dev");
    const trial: TrialRecord = { config, candidate, value: set.mean, scores: Object.fromEntries(set.scores) };
    if (whole) trial.full = set.mean;
    state.history.push(trial);
    ctx.event("trial", {
      summary: `trial ${n}: ${describe(state, config)} — ${whole ? "dev" : "minibatch"} ${set.mean.toFixed(3)}`,
      trial: n,
      config,
      candidate,
      minibatch: set.mean,
    });
    if (whole) keepIfBetter(ctx, state, trial);
  }
  if (!minibatchIsWhole(state, s) && n % s.full_eval_every === 0) state.fullDue = true;
}

function sortedLike(examples: Example[], order: readonly string[]): Example[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  return [...examples].sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
}

/** The trial with the best minibatch mean not yet fully evaluated (ties: the earlier one), if any. */
export function nextForFullEvaluation(state: MiproState): number | undefined {
  let best: number | undefined;
  state.history.forEach((t, i) => {
    if (t.repeatOf !== undefined || t.full !== undefined) return;
    if (best === undefined || t.value > state.history[best]!.value) best = i;
  });
  return best;
}

/** Scores the next trial due (see nextForFullEvaluation) on the dev examples its minibatch left out. */
export async function fullEvaluation(ctx: OptimizeContext<MiproSettings>, state: MiproState): Promise<void> {
  const index = nextForFullEvaluation(state);
  if (index === undefined) return;
  const trial = state.history[index]!;
  const rest = valsetExamples(ctx, state).filter((e) => trial.scores[e.id] === undefined);
  ctx.phase(`mipro: full evaluation of trial ${index} (${rest.length} more dev examples)`);
  const set = await ctx.evaluate(configState(state, trial.config), rest, "dev");
  trial.scores = { ...trial.scores, ...Object.fromEntries(set.scores) };
  trial.full = state.valset.reduce((a, id) => a + (trial.scores[id] ?? 0), 0) / Math.max(1, state.valset.length);
  state.fullEvals += 1;
  keepIfBetter(ctx, state, trial, index);
}

function keepIfBetter(ctx: OptimizeContext, state: MiproState, trial: TrialRecord, index = state.history.length - 1): void {
  const before = state.best.score;
  const full = trial.full!;
  if (full > before) {
    state.best = { candidate: trial.candidate, state: configState(state, trial.config), score: full };
    ctx.event("accepted", { summary: `trial ${index}: new best, dev ${full.toFixed(3)} (was ${before.toFixed(3)}; minibatch ${trial.value.toFixed(3)})`, candidate: trial.candidate, score: full });
  } else {
    ctx.event("rejected", { summary: `trial ${index}: dev ${full.toFixed(3)} does not beat ${before.toFixed(3)} (minibatch ${trial.value.toFixed(3)})`, candidate: trial.candidate, score: full });
  }
}
