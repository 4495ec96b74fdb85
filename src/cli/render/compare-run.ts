import type { RunOf } from "../../store/runs-store.js";
import { isSplitName } from "../../program/types.js";
import { displayPath } from "../../util/display-path.js";
import type { Output } from "../output.js";
import { formatScore, plural } from "../output.js";
import { wrapParts } from "../wrap.js";
import { comparisonLines, formatP } from "./comparison.js";

/** One example's scores on each side of a compare run, as its results keep them (absent: that side did not score it). */
export interface SideScores {
  exampleId: string;
  a?: number;
  b?: number;
}

/**
 * What `dspx show` says of a compare run's comparison: both sides with their programs and models,
 * then the recorded summary (B − A, its CI, the exact test) and the examples that flipped each way;
 * for a run that ended before comparing, how far each side got.
 */
export function compareRunLines(run: RunOf<"compare">, scores: readonly SideScores[], output: Output, show: number): string[] {
  const c = output.color;
  const { a, b, dataset, limit } = run.config;
  const lines = [
    wrapParts(`${c.bold("data")}     `, [isSplitName(dataset) ? `split ${dataset}` : `dataset ${displayPath(dataset)}`, ...(limit !== undefined ? [`--limit ${limit}`] : [])], output.columns),
    ...(["a", "b"] as const).map((k) => {
      const s = run.config[k];
      return wrapParts(`${c.bold(`side ${k.toUpperCase()}`)}   `, [s.ref, displayPath(s.program.file), `candidate ${s.candidate.slice(0, 10)}`, `on ${s.models.join(", ") || "?"}`], output.columns);
    }),
    "",
  ];
  const summary = run.totals.compare;
  if (!summary) {
    const scored = (k: "a" | "b") => scores.filter((s) => s[k] !== undefined);
    const mean = (k: "a" | "b") => {
      const got = scored(k);
      return got.length === 0 ? "–" : formatScore(got.reduce((t, s) => t + s[k]!, 0) / got.length);
    };
    lines.push(`${c.bold("A")}  ${a.label}  ${mean("a")} ${c.dim(`(${plural(scored("a").length, "example")})`)}`);
    lines.push(`${c.bold("B")}  ${b.label}  ${mean("b")} ${c.dim(`(${plural(scored("b").length, "example")})`)}`);
    lines.push(c.dim(run.status === "running" ? "still scoring: no comparison yet" : `the run ${run.status === "failed" ? "failed" : "was interrupted"} before the comparison (running the same \`dspx compare\` again reuses what was scored)`));
    return lines;
  }
  const paired = scores.filter((s): s is Required<SideScores> => s.a !== undefined && s.b !== undefined);
  const byChange = (x: Required<SideScores>, y: Required<SideScores>) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a) || (x.exampleId < y.exampleId ? -1 : x.exampleId > y.exampleId ? 1 : 0);
  lines.push(
    ...comparisonLines(
      {
        a: { label: a.label, mean: summary.meanA, models: a.models },
        b: { label: b.label, mean: summary.meanB, models: b.models },
        sameModels: summary.sameModels,
        n: summary.n,
        dataset,
        note: `sign test p = ${formatP(summary.signTestP)} (${summary.improved} improved, ${summary.regressed} regressed, ${summary.ties} unchanged)`,
        diff: summary.diff,
        ci95: summary.ci95,
        resamples: summary.bootstrap.resamples,
        exact: summary.exact,
        improved: paired.filter((s) => s.b > s.a).sort(byChange),
        regressed: paired.filter((s) => s.b < s.a).sort(byChange),
      },
      output,
      show,
    ),
  );
  return lines;
}
