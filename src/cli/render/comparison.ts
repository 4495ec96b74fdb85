import type { Output } from "../output.js";
import { formatInt, formatScore } from "../output.js";
import type { TableSpec } from "../table.js";
import { wrapParts } from "../wrap.js";

/** A comparison as `dspx compare` prints it and `dspx show` prints a compare run. */
export interface ComparisonText {
  a: { label: string; mean: number; models: readonly string[] };
  b: { label: string; mean: number; models: readonly string[] };
  sameModels: boolean;
  n: number;
  dataset: string;
  /** What the line under the sides says of where the scores came from. */
  note: string;
  diff: number;
  ci95: readonly [number, number];
  resamples: number;
  exact?: { aOnly: number; bOnly: number; pValue: number } | undefined;
  improved: readonly { exampleId: string; a: number; b: number }[];
  regressed: readonly { exampleId: string; a: number; b: number }[];
}

/** A p-value as compare prints it: four decimals, or scientific below 0.001. */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(4);
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${formatScore(Math.abs(x))}`;
}

/** The sides, B − A with its CI and a verdict, the exact test for 0/1 metrics, and the examples that flipped each way (`show` of each). */
export function comparisonLines(c: ComparisonText, output: Output, show: number): string[] {
  const col = output.color;
  const side = (name: string, label: string, mean: number, models: readonly string[]) =>
    wrapParts(`${col.bold(name)}  `, [label, formatScore(mean), ...(c.sameModels ? [] : [col.dim(`on ${models.join(", ")}`)])], output.columns, "  ");
  const lines = [
    side("A", c.a.label, c.a.mean, c.a.models),
    side("B", c.b.label, c.b.mean, c.b.models),
    col.dim(wrapParts("", [`${c.n} examples of ${c.dataset}`, c.note], output.columns, ", ")),
    "",
  ];
  const [lo, hi] = c.ci95;
  const verdict = lo > 0 ? col.green("B is better") : hi < 0 ? col.red("B is worse") : col.yellow("no clear difference");
  lines.push(wrapParts(`${col.bold("B − A")}  `, [signed(c.diff), `95% CI [${signed(lo)}, ${signed(hi)}]`, `(paired bootstrap, ${formatInt(c.resamples)} resamples)`, verdict], output.columns, "  "));
  if (c.exact) {
    lines.push(wrapParts(`${col.bold("exact")}  `, [`${c.exact.bOnly} examples only B gets right, ${c.exact.aOnly} only A`, `two-sided sign test p = ${formatP(c.exact.pValue)}`], output.columns));
  }
  const list = (title: string, rows: ComparisonText["improved"]) => {
    if (rows.length === 0) return;
    lines.push("");
    lines.push(col.bold(`${title} (${rows.length})`));
    lines.push(output.table(flippedTable(rows.slice(0, show)), "plain"));
    if (rows.length > show) lines.push(col.dim(`  … and ${rows.length - show} more (--json for all)`));
  };
  list("improved in B", c.improved);
  list("regressed in B", c.regressed);
  return lines;
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
