import { isDamaged, type DamagedRun, type RunRecord } from "../../store/runs-store.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open.js";
import { formatDuration, formatInt, formatScore, formatUsd } from "../output.js";

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
    status: r.status,
    bestScore: r.bestScore ?? null,
    calls: r.totals.calls ?? 0,
    costUsd: r.totals.costUsd ?? null,
    startedAt: new Date(r.startedAt).toISOString(),
    durationMs: (r.finishedAt ?? r.updatedAt) - r.startedAt,
  };
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
    output.out(`no runs yet in ${store.file} (dspx eval and dspx optimize record them)`);
    return 0;
  }
  const c = output.color;
  const status = (s: string) => (s === "done" ? c.green(s) : s === "running" ? c.cyan(s) : s === "interrupted" ? c.yellow(s) : c.red(s));
  output.out(
    output.table(
      ["run", "kind", "program", "status", "best", "calls", "cost", "started", "took"],
      runs.map((r) => {
        if (isDamaged(r)) return [r.id, "–", "–", c.red("damaged"), "–", "–", "–", r.startedAt === undefined ? "–" : formatWhen(r.startedAt), "–"];
        const s = runSummary(r);
        return [
          r.name ? `${r.id} ${c.dim(r.name)}` : r.id,
          r.kind,
          r.programName,
          status(r.status),
          s.bestScore === null ? "–" : formatScore(s.bestScore),
          formatInt(s.calls),
          formatUsd(s.costUsd),
          formatWhen(r.startedAt),
          formatDuration(s.durationMs),
        ];
      }),
    ),
  );
  // What is wrong with each damaged run, on stderr: the table stays one row per run.
  for (const r of runs.filter(isDamaged)) output.notice(`run ${r.id} is damaged: ${r.damaged}`);
  return 0;
}
