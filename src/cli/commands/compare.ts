import { comparePrograms, type ProgramComparison } from "../../evaluate/compare-programs.js";
import { DEFAULT_CONCURRENCY } from "../../evaluate/program.js";
import { loadCandidate, resolveCandidateRef } from "../../runtime/candidate-ref.js";
import { LMPool } from "../../lm/pool.js";
import type { SplitName } from "../../program/types.js";
import { mainDataset } from "../../store/run-config.js";
import { UserError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import type { LMFlags } from "../flags.js";
import { settingsFromFlags } from "../open.js";
import { openStore } from "../open-store.js";
import { formatInt, formatScore } from "../output.js";
import type { TableSpec } from "../table.js";
import { wrapParts } from "../wrap.js";

export interface CompareFlags extends LMFlags {
  dataset?: string;
  split?: SplitName;
  limit?: number;
  concurrency?: number;
  seed?: number;
  json?: boolean;
  show?: number;
}

export async function compareCommand(refA: string, refB: string, flags: CompareFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  if (flags.dataset && flags.split) throw new UserError({ flag: "--split", message: "give either --dataset or --split, not both" });
  const settings = settingsFromFlags(flags);
  const store = openStore(flags, ctx);
  const a = resolveCandidateRef(store, refA);
  const b = resolveCandidateRef(store, refB);
  // One pool: both sides share each endpoint's scheduler and the cache. A run's candidate runs on
  // the models and endpoints it was recorded with (so its stored evaluations count), unless --lm
  // says otherwise for both sides; --base-url moves both sides' endpoint.
  const pool = new LMPool(settings, { cache: store.cache, onNotice: (m) => output.notice(m) });
  const replay = !flags.lm;
  const toolResults = settings.cache ? store.toolResults : undefined;
  const [pa, pb] = await Promise.all([loadCandidate(a, pool, { replay, toolResults }), loadCandidate(b, pool, { replay, toolResults })]);
  // Default dataset: an explicit one, else the split a run was evaluated on, else dev.
  const runSplit = [a, b].flatMap((r) => (r.kind === "run" ? [mainDataset(r.run)] : [])).find((d): d is SplitName => d === "dev" || d === "test" || d === "train");
  const choice = flags.dataset ? { dataset: flags.dataset } : { split: flags.split ?? runSplit ?? "dev" };
  output.err(output.errColor.dim(`comparing on ${"dataset" in choice ? choice.dataset : choice.split}: A = ${a.label}, B = ${b.label}`));
  ctx.onQuit((out) => out.err("interrupted, so nothing was compared; the evaluations that finished are kept, and running the same command again reuses them"));
  const comparison = await comparePrograms(store, { label: a.label, program: pa }, { label: b.label, program: pb }, {
    ...choice,
    ...(flags.limit ? { limit: flags.limit } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    signal,
  });
  if (!comparison.sameModels) {
    output.notice(`A and B ran on different models (A: ${comparison.a.models.join(", ")}; B: ${comparison.b.models.join(", ")}), so the difference is the models' as much as the candidates' (--lm runs both on one)`);
  }
  if (output.json) {
    output.out(JSON.stringify(comparisonJson(comparison)));
    return 0;
  }
  output.out(renderComparison(comparison, ctx, flags.show ?? 10));
  return 0;
}

function comparisonJson(c: ProgramComparison) {
  const { a, b, ...rest } = c;
  return {
    ...rest,
    a: { label: a.label, mean: c.meanA, models: a.models, summary: a.report.summary },
    b: { label: b.label, mean: c.meanB, models: b.models, summary: b.report.summary },
  };
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${formatScore(Math.abs(x))}`;
}

function renderComparison(c: ProgramComparison, { output }: CommandContext, show: number): string {
  const col = output.color;
  const side = (name: string, label: string, mean: number, models: string[]) =>
    wrapParts(`${col.bold(name)}  `, [label, formatScore(mean), ...(c.sameModels ? [] : [col.dim(`on ${models.join(", ")}`)])], output.columns, "  ");
  const lines = [
    side("A", c.a.label, c.meanA, c.a.models),
    side("B", c.b.label, c.meanB, c.b.models),
    col.dim(wrapParts("", [`${c.n} examples of ${c.dataset}`, "scored from the store where already evaluated"], output.columns, ", ")),
    "",
  ];
  const [lo, hi] = c.diffCi95;
  const verdict = lo > 0 ? col.green("B is better") : hi < 0 ? col.red("B is worse") : col.yellow("no clear difference");
  lines.push(wrapParts(`${col.bold("B − A")}  `, [signed(c.diff), `95% CI [${signed(lo)}, ${signed(hi)}]`, `(paired bootstrap, ${formatInt(c.bootstrap.resamples)} resamples)`, verdict], output.columns, "  "));
  if (c.exact) {
    const p = c.exact.pValue < 0.001 ? c.exact.pValue.toExponential(2) : c.exact.pValue.toFixed(4);
    lines.push(wrapParts(`${col.bold("exact")}  `, [`${c.exact.bOnly} examples only B gets right, ${c.exact.aOnly} only A`, `two-sided sign test p = ${p}`], output.columns));
  }
  const list = (title: string, rows: ProgramComparison["improved"]) => {
    if (rows.length === 0) return;
    lines.push("");
    lines.push(col.bold(`${title} (${rows.length})`));
    lines.push(output.table(flippedTable(rows.slice(0, show)), "plain"));
    if (rows.length > show) lines.push(col.dim(`  … and ${rows.length - show} more (--json for all)`));
  };
  list("improved in B", c.improved);
  list("regressed in B", c.regressed);
  return lines.join("\n");
}

/** Examples whose score changed between A and B; a long example id is cut to fit. */
export function flippedTable(rows: readonly { exampleId: string; a: number; b: number }[]): TableSpec {
  return {
    columns: [
      { header: "", priority: 1, truncate: true, min: 8 },
      { header: "", priority: 2 },
    ],
    rows: rows.map((r) => [r.exampleId, `${formatScore(r.a)} → ${formatScore(r.b)}`]),
  };
}
