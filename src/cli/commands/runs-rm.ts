import type { RemovedRows, RunsRemoval } from "../../store/remove-runs.js";
import type { RunRecord } from "../../store/runs-store.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { plural } from "../output.js";
import { wrapParts } from "../wrap.js";

export interface RunsRemoveFlags {
  db?: string;
  json?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

/** `dspx runs rm <run…>`: deletes runs and their results; the LM cache stays. */
export async function runsRemoveCommand(refs: readonly string[], flags: RunsRemoveFlags, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx, { create: false });
  // Every reference is resolved before anything is removed: one that names no run removes nothing.
  const found = new Map(refs.map((ref) => store.runs.resolveId(ref)).map((f) => [f.id, f] as const));
  const removal = await store.removeRuns([...found.keys()], { ...(flags.force ? { force: true } : {}), ...(flags.dryRun ? { dryRun: true } : {}) });
  const { output } = ctx;
  const describe = (id: string) => found.get(id)?.run;
  if (output.json) {
    output.out(
      JSON.stringify({
        db: store.file,
        dryRun: removal.dryRun,
        runs: removal.runs.map((id) => runJson(id, describe(id), found.get(id)?.damaged)),
        removed: removal.removed,
        kept: { evaluations: removal.keptEvaluations, inProgress: removal.inProgress.map((r) => r.id) },
        forced: removal.forced,
      }),
    );
    return 0;
  }
  output.out(removalText(removal, describe, output.columns));
  return 0;
}

function runJson(id: string, run: RunRecord | undefined, damaged: string | undefined) {
  if (!run) return { id, status: "damaged" as const, ...(damaged ? { damaged } : {}) };
  return { id, kind: run.kind, ...(run.name ? { name: run.name } : {}), program: run.programName, status: run.status };
}

function removalText(removal: RunsRemoval, describe: (id: string) => RunRecord | undefined, columns: number | undefined): string {
  const verb = removal.dryRun ? "would remove" : "removed";
  const runs = removal.runs.map((id) => {
    const run = describe(id);
    return run ? `${id} (${run.kind} ${run.programName}, ${run.status})` : `${id} (damaged)`;
  });
  const lines = [wrapParts(`${verb} ${plural(removal.runs.length, "run")}: `, runs, columns, ", ")];
  const what = rowsText(removal.removed);
  if (what.length > 0) lines.push(wrapParts("  with ", what, columns));
  if (removal.keptEvaluations > 0) {
    const live = removal.inProgress.map((r) => r.id).join(", ");
    lines.push(
      `  kept ${plural(removal.keptEvaluations, "evaluation")} no run refers to any more: ${removal.inProgress.length === 1 ? "run" : "runs"} ${live} ${removal.inProgress.length === 1 ? "is" : "are"} in progress and may reuse them (\`dspx gc\` removes them once ${removal.inProgress.length === 1 ? "it has" : "they have"} ended)`,
    );
  }
  for (const r of removal.forced) lines.push(`  run ${r.id} was running in process ${r.pid ?? "unknown"}: it fails at its next write`);
  lines.push("  the LM cache is kept (`dspx gc --cache` removes the entries no run used)");
  if (removal.dryRun) lines.push("nothing was removed (--dry-run)");
  return lines.join("\n");
}

/** What went with the runs, zero counts left out. */
function rowsText(r: RemovedRows): string[] {
  const parts: [number, string][] = [
    [r.candidates, plural(r.candidates, "candidate")],
    [r.events, plural(r.events, "event")],
    [r.checkpoints, plural(r.checkpoints, "checkpoint")],
    [r.results, plural(r.results, "result")],
    [r.cacheLinks, plural(r.cacheLinks, "cache link")],
    [r.evaluations, `${plural(r.evaluations, "evaluation")} no other run used`],
  ];
  return parts.filter(([n]) => n > 0).map(([, text]) => text);
}
