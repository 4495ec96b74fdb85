import type { ChalkInstance } from "chalk";
import { isDamaged, type DamagedRun, type RunRecord } from "../../store/runs-store.js";
import type { KindAndConfig } from "../../store/run-config.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { formatDuration, formatInt, formatScore, formatUsd } from "../output.js";
import type { Column, TableSpec } from "../table.js";

export interface RunsFlags {
  db?: string;
  json?: boolean;
  limit?: number;
}

export function runSummary(r: RunRecord) {
  return {
    id: r.id,
    kind: r.kind,
    ...(r.name ? { name: r.name } : {}),
    program: r.programName,
    split: runSplit(r),
    optimizer: r.kind === "optimize" ? r.config.optimizer : null,
    status: r.status,
    bestScore: r.bestScore ?? null,
    calls: r.totals.calls ?? 0,
    costUsd: r.totals.costUsd ?? null,
    startedAt: new Date(r.startedAt).toISOString(),
    durationMs: (r.finishedAt ?? r.updatedAt) - r.startedAt,
  };
}

/**
 * What a run scored on: an eval or compare run's split (or the dataset file it was given); an optimize run's
 * train and dev sets (`train` alone when dev was split from it).
 */
export function runSplit(r: KindAndConfig): string {
  if (r.kind !== "optimize") return r.config.dataset;
  return "splitFromTrain" in r.config.data.dev ? "train" : "train/dev";
}

/** A run whose row cannot be read, as `runs --json` lists it. */
function damagedSummary(r: DamagedRun) {
  return { id: r.id, status: "damaged" as const, damaged: r.damaged, startedAt: r.startedAt === undefined ? null : new Date(r.startedAt).toISOString() };
}

export function formatWhen(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
}

export async function runsCommand(flags: RunsFlags, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx, { write: false });
  const runs = store.runs.list(flags.limit !== undefined ? { limit: flags.limit } : {});
  const { output } = ctx;
  if (output.json) {
    output.out(JSON.stringify({ runs: runs.map((r) => (isDamaged(r) ? damagedSummary(r) : runSummary(r))) }));
    return 0;
  }
  if (runs.length === 0) {
    output.out(store.exists ? `no runs yet in ${store.file} (dspx eval, dspx optimize and dspx compare record them)` : `no runs yet: there is no dspx database at ${store.file} (dspx eval, dspx optimize and dspx compare create it)`);
    return 0;
  }
  output.out(output.table(runsTable(runs, output.color)));
  // What is wrong with each damaged run, on stderr: the table stays one row per run.
  for (const r of runs.filter(isDamaged)) output.notice(`run ${r.id} is damaged: ${r.damaged}`);
  return 0;
}

/**
 * The runs list. Narrowed, it keeps the run, its status and best score longest; calls, the time it
 * took, cost, kind and names go first. The name column is there when some run has a name.
 */
export function runsTable(runs: readonly (RunRecord | DamagedRun)[], c: ChalkInstance): TableSpec {
  const status = (s: string) => (s === "done" ? c.green(s) : s === "running" ? c.cyan(s) : s === "interrupted" ? c.yellow(s) : c.red(s));
  const named = runs.some((r) => !isDamaged(r) && r.name);
  const columns: Column[] = [
    { header: "run", priority: 1 },
    ...(named ? [{ header: "name", priority: 8, truncate: true, min: 8 }] : []),
    { header: "kind", priority: 9 },
    { header: "program", priority: 4, truncate: true, min: 8 },
    { header: "split", priority: 7, truncate: true, min: 9 },
    { header: "optimizer", priority: 6 },
    { header: "status", priority: 2 },
    { header: "best", priority: 3, align: "right" },
    { header: "calls", priority: 12, align: "right" },
    { header: "cost", priority: 10, align: "right" },
    { header: "started", priority: 5 },
    { header: "took", priority: 11, align: "right" },
  ];
  return {
    columns,
    rows: runs.map((r) => {
      if (isDamaged(r)) return [r.id, ...(named ? [""] : []), "–", "–", "–", "–", c.red("damaged"), "–", "–", "–", r.startedAt === undefined ? "–" : formatWhen(r.startedAt), "–"];
      const s = runSummary(r);
      return [
        r.id,
        ...(named ? [c.dim(r.name ?? "")] : []),
        r.kind,
        r.programName,
        s.split ?? "–",
        s.optimizer ?? "–",
        status(r.status),
        s.bestScore === null ? "–" : formatScore(s.bestScore),
        formatInt(s.calls),
        formatUsd(s.costUsd),
        formatWhen(r.startedAt),
        formatDuration(s.durationMs),
      ];
    }),
  };
}
