import type { DatasetScore } from "../../evaluate/dataset-score.js";
import type { OptimizeProgress, OptimizeReport } from "../../optimize/run.js";
import type { StageReport } from "../../optimize/report.js";
import type { BudgetLimits } from "../../optimize/budget.js";
import type { Plan } from "../../optimize/types.js";
import type { Output } from "../output.js";
import { formatDuration, formatInt, formatScore, formatUsd, plural } from "../output.js";
import { toolCallsPhrase } from "./eval.js";

/** The limits in force, each named; `defaultBudget` marks the default LM-call cap (no budget given). */
export function limitsText(limits: BudgetLimits, defaultBudget = false): string {
  const parts: string[] = [];
  if (limits.calls !== undefined) parts.push(`${formatInt(limits.calls)} LM calls${defaultBudget ? " (the default, as no budget was given)" : ""}`);
  if (limits.usd !== undefined) parts.push(`${formatUsd(limits.usd)}`);
  if (limits.rollouts !== undefined) parts.push(`${formatInt(limits.rollouts)} rollouts`);
  if (limits.timeMs !== undefined) parts.push(`${formatDuration(limits.timeMs)} wall time`);
  if (parts.length === 0) return "unlimited";
  if (limits.calls === undefined) parts.push("no LM-call limit");
  return parts.join(", ");
}

export function renderPlan(
  info: { optimizer: string; plan: Plan; seed: number; limits: BudgetLimits; defaultBudget?: boolean; reserve: number; reserveRollouts: number; train: number; dev: number; test: number; resumed: boolean; fromStep: number; finishing?: boolean },
  output: Output,
): string {
  const c = output.color;
  const data = `train ${info.train} · dev ${info.dev}${info.test ? ` · test ${info.test}` : ""}`;
  const lines = [
    `${c.bold("plan")}   ${info.optimizer} · budget ${limitsText(info.limits, info.defaultBudget)}${reserveText(info)} · ${data} · seed ${info.seed}`,
    // A sequence's plan has a line per stage.
    ...info.plan.buys.split("\n").map((line) => `       ${line}`),
  ];
  if (info.resumed && info.finishing) lines.push(`${c.bold("resume")} after the last step (${info.fromStep}): finishing the run; finished work is answered from the store`);
  else if (info.resumed) lines.push(`${c.bold("resume")} from step ${info.fromStep}: finished work is answered from the store`);
  return lines.join("\n");
}

function reserveText(info: { reserve: number; reserveRollouts: number }): string {
  const kept = [...(info.reserve ? [`${formatInt(info.reserve)} calls`] : []), ...(info.reserveRollouts ? [`${formatInt(info.reserveRollouts)} rollouts`] : [])];
  return kept.length > 0 ? ` (${kept.join(" and ")} kept for the final test evaluation)` : "";
}

/**
 * Time left at the rate the budget is being used, or undefined before there is enough to tell (2%).
 * Never negative: calls in flight can take the count past the limit, and time past its budget.
 */
export function etaMs(p: Pick<OptimizeProgress, "used" | "limits">): number | undefined {
  const { used, limits } = p;
  const share = limits.calls ? used.calls / limits.calls : limits.timeMs ? used.elapsedMs / limits.timeMs : undefined;
  if (share === undefined || !(share > 0.02)) return undefined;
  return Math.max(0, (used.elapsedMs / share) * (1 - Math.min(1, share)));
}

/** The live line: phase, candidates, best so far, budget use, request rate, 429s, cost, ETA. */
export function progressText(p: OptimizeProgress, sessionMs: number): string {
  const used = p.used;
  const limit = p.limits.calls;
  const left = etaMs(p);
  const eta = left === undefined ? "–" : formatDuration(left);
  // Provider requests per second; on sim (no provider traffic), LM calls per second.
  const perSecond = (n: number) => (sessionMs > 0 ? (n / sessionMs) * 1000 : 0);
  const rate = p.requests > 0 ? `${perSecond(p.requests).toFixed(1)} req/s` : `${perSecond(p.used.calls).toFixed(0)} calls/s`;
  return [
    p.phase,
    `step ${p.step}`,
    plural(p.candidates, "candidate"),
    `best ${formatScore(p.best)} (baseline ${formatScore(p.baseline)})`,
    `calls ${formatInt(used.calls)}${limit ? `/${formatInt(limit)}` : ""}`,
    `rollouts ${formatInt(used.rollouts)}${p.limits.rollouts ? `/${formatInt(p.limits.rollouts)}` : ""}`,
    rate,
    ...(p.rateLimited > 0 ? [`${p.rateLimited} × 429`] : []),
    `cost ${formatUsd(p.costUsd)}`,
    `ETA ${eta}`,
  ].join(" · ");
}

function scoreText(s: DatasetScore | undefined): string {
  if (!s) return "–";
  return `${formatScore(s.mean)} [${formatScore(s.ci95[0])}, ${formatScore(s.ci95[1])}]`;
}

function delta(a: DatasetScore | undefined, b: DatasetScore | undefined): string {
  if (!a || !b) return "";
  const d = b.mean - a.mean;
  return `${d >= 0 ? "+" : "−"}${formatScore(Math.abs(d))}`;
}

/** A resumed run's cost is the whole run's; what this process paid of it is said apart (reports kept before the paid line). */
function paidHere(r: OptimizeReport): string {
  const here = r.thisProcess;
  const same = here.costUsd === r.costUsd && here.tokens.promptTokens === r.tokens.promptTokens && here.tokens.completionTokens === r.tokens.completionTokens;
  return same || here.calls !== undefined ? "" : ` (this process: ${formatInt(here.tokens.promptTokens + here.tokens.completionTokens)} tokens, ${formatUsd(here.costUsd)})`;
}

/**
 * What this process sent and paid, beside what the budget counted: the budget counts a cached
 * answer or a reused result at what it first cost (so a resumed run decides as an uninterrupted
 * one), which can be far more than was spent here. Undefined for reports kept before these counts.
 */
export function paidLine(r: Pick<OptimizeReport, "thisProcess">): string | undefined {
  const here = r.thisProcess;
  if (here.calls === undefined) return undefined;
  const requests = here.requests ?? 0;
  return [
    `this process: ${plural(here.calls, "LM call")} answered by the model${requests > 0 ? ` (${plural(requests, "request")} sent, retries included)` : ""}`,
    `${formatInt(here.cachedCalls ?? 0)} from the LM cache`,
    `${plural(here.storedResults ?? 0, "result")} from the store`,
    ...(here.toolCalls !== undefined ? [toolCallsPhrase(here)!] : []),
    `${formatInt(here.tokens.promptTokens + here.tokens.completionTokens)} tokens`,
    `cost ${formatUsd(here.costUsd)}`,
  ].join(" · ");
}

/** Whether the budget's nominal count includes work this process did not pay for. */
function reusedAny(r: Pick<OptimizeReport, "thisProcess">): boolean {
  return (r.thisProcess.cachedCalls ?? 0) > 0 || (r.thisProcess.storedResults ?? 0) > 0;
}

/** A sequence's stages, a line each: the optimizer, its steps, the best it handed on and why it ended (`dspx optimize` and `dspx show`). */
export function stageLines(stages: readonly StageReport[], c: Output["color"]): string[] {
  return stages.map((s, k) => {
    const steps = `${plural(s.steps, "step")}${s.iterations !== undefined ? ` (${plural(s.iterations, `${s.optimizer} iteration`)})` : ""}`;
    const share = k < stages.length - 1 ? "its share of the" : "the";
    const why = s.ended === "budget" ? `${share} ${s.reason ?? ""} budget was used up` : s.reason ? `stopped: ${s.reason}` : "finished";
    return `${c.bold(k === 0 ? "stages" : "      ")}   ${k + 1}. ${s.optimizer}: ${steps}, best ${s.best.slice(0, 10)} dev ${formatScore(s.dev)}; ${why}`;
  });
}

export function renderReport(r: OptimizeReport, programFile: string, output: Output): string {
  const c = output.color;
  const lines = [
    "",
    `${c.bold("baseline")} dev ${scoreText(r.baseline.dev)}${r.baseline.test ? `   test ${scoreText(r.baseline.test)}` : ""}`,
    `${c.bold("best")}     dev ${c.bold(scoreText(r.best.dev))}${r.best.test ? `   test ${c.bold(scoreText(r.best.test))}` : ""}   ${c.dim(`candidate ${r.best.candidate.slice(0, 10)}`)}`,
    ...(r.baselinePartial
      ? [`${c.bold("dev")}      only ${r.baselinePartial.scored} of ${r.baselinePartial.of} examples scored: the ${r.budgetReason ?? ""} budget was used up while scoring the baseline, so no candidate was tried`]
      : []),
    ...(r.testSkipped ? [`${c.bold("test")}     not evaluated: the ${r.testSkipped} budget was used up before it`] : []),
    `${c.bold("gain")}     dev ${delta(r.baseline.dev, r.best.dev)}${r.best.test ? `   test ${delta(r.baseline.test, r.best.test)}` : ""}`,
    `${c.bold("used")}     ${plural(r.steps, "step")}${r.iterations !== undefined ? ` (${plural(r.iterations, `${r.optimizer} iteration`)})` : ""} · ${plural(r.candidates, "candidate")} · ${formatInt(r.usage.calls)} LM calls (${formatInt(r.usage.proposalCalls)} proposal/reflection) · ${formatInt(r.usage.rollouts)} rollouts · ${formatInt(r.tokens.promptTokens + r.tokens.completionTokens)} tokens · cost ${formatUsd(r.costUsd)}${paidHere(r)} · ${formatDuration(r.elapsedMs)}${reusedAny(r) ? c.dim(" (as the budget counts: cached and reused answers at what they first cost)") : ""}`,
    ...(paidLine(r) ? [`${c.bold("paid")}     ${paidLine(r)}`] : []),
    ...stageLines(r.stages ?? [], c),
    `${c.bold("ended")}    ${r.ended === "budget" ? `the ${r.budgetReason ?? ""} budget was used up${r.baselinePartial ? " before the baseline was scored: give a larger budget" : ""}` : r.doneReason ? `the optimizer stopped: ${r.doneReason}` : "the optimizer finished"}`,
    ...(r.notes ?? []).map((n) => `${c.bold("note")}     ${c.yellow(n)}`),
    // Nothing to take when no candidate was tried.
    ...(r.baselinePartial ? [] : [`${c.bold("take it")}  dspx export ${r.runId} -o ${programFile.replace(/\.(ya?ml|json)$/i, "")}.optimized.yaml`]),
  ];
  return lines.join("\n");
}
