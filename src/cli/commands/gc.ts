import type { GcReport } from "../../store/gc.js";
import type { TraceRetention } from "../../store/gc-traces.js";
import type { Compaction } from "../../store/vacuum.js";
import { displayPath } from "../../util/display-path.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { formatInt, plural } from "../output.js";
import { wrapParts } from "../wrap.js";
import { olderThanCutoff } from "./cache.js";

export interface GcFlags {
  db?: string;
  json?: boolean;
  olderThan?: string;
  cache?: boolean;
  vacuum?: boolean;
  dryRun?: boolean;
  /** --traces-older-than, in ms (parsed by commander). */
  tracesOlderThan?: number;
  keepTraces?: number;
}

/** Which runs' traces go: those --traces-older-than and --keep-traces both let go (undefined: neither given). */
function traceRetention(flags: GcFlags): TraceRetention | undefined {
  if (flags.tracesOlderThan === undefined && flags.keepTraces === undefined) return undefined;
  return { ...(flags.tracesOlderThan !== undefined ? { before: Date.now() - flags.tracesOlderThan } : {}), ...(flags.keepTraces !== undefined ? { keepRuns: flags.keepTraces } : {}) };
}

/** What `--vacuum` did: compacted, or why not. */
type VacuumOutcome = Compaction | { skipped: string };

/**
 * `dspx gc`: removes what no run refers to — evaluations, rows of runs deleted outside dspx, and
 * with --cache or --older-than the LM cache entries no run used — then compacts with --vacuum.
 */
export async function gcCommand(flags: GcFlags, ctx: CommandContext): Promise<number> {
  const before = olderThanCutoff(flags.olderThan);
  const store = openStore(flags, ctx, { create: false });
  const traces = traceRetention(flags);
  const report = await store.gc({ ...(before !== undefined ? { before } : {}), ...(flags.cache ? { cache: true } : {}), ...(traces ? { traces } : {}), ...(flags.dryRun ? { dryRun: true } : {}) });
  let vacuum: VacuumOutcome | undefined;
  if (flags.vacuum) {
    const live = report.inProgress.map((r) => r.id);
    if (flags.dryRun) vacuum = { skipped: "a dry run compacts nothing" };
    else if (!store.exists) vacuum = { skipped: "there is no database file" };
    // Compacting holds the write lock for the whole copy: the run's writes would wait, and past the busy timeout fail.
    else if (live.length > 0) vacuum = { skipped: `${live.length === 1 ? "run" : "runs"} ${live.join(", ")} ${live.length === 1 ? "is" : "are"} in progress (compacting would hold up its writes)` };
    else vacuum = (await store.vacuum())!;
  }
  const { output } = ctx;
  if (output.json) {
    output.out(
      JSON.stringify({
        db: store.file,
        dryRun: report.dryRun,
        ...(flags.olderThan !== undefined ? { olderThan: flags.olderThan } : {}),
        cache: report.cache,
        removed: report.removed,
        kept: report.kept,
        ...(report.traces ? { traces: report.traces } : {}),
        inProgress: report.inProgress.map((r) => r.id),
        ...(vacuum ? { vacuum } : {}),
      }),
    );
    return 0;
  }
  output.out(gcText(report, flags, store.file, vacuum, output.columns));
  return 0;
}

function gcText(report: GcReport, flags: GcFlags, file: string, vacuum: VacuumOutcome | undefined, columns: number | undefined): string {
  const { removed, kept } = report;
  const orphans = Object.values(removed.orphans).reduce((a, b) => a + b, 0);
  const age = flags.olderThan !== undefined ? ` (unused for ${flags.olderThan})` : "";
  const parts = [
    ...(removed.evaluations > 0 ? [`${plural(removed.evaluations, "evaluation")} no run refers to${flags.olderThan !== undefined ? ` (older than ${flags.olderThan})` : ""}`] : []),
    ...(removed.cacheEntries > 0 ? [`${cacheEntries(removed.cacheEntries)} no run used${age}`] : []),
    ...(orphans > 0 ? [`${plural(orphans, "row")} of runs that are gone`] : []),
    ...(report.traces && report.traces.evaluations > 0 ? [`the traces of ${plural(report.traces.runs, "old run")} (${plural(report.traces.evaluations, "evaluation")}, ${formatBytes(report.traces.bytes)})`] : []),
    ...(removed.blobs > 0 ? [`${plural(removed.blobs, "stored text")} nothing refers to (messages and examples, ${formatBytes(removed.blobBytes)})`] : []),
  ];
  const lines = [parts.length > 0 ? wrapParts(`${report.dryRun ? "would remove" : "removed"} `, parts, columns) : "nothing to remove"];
  if (kept.evaluations > 0) {
    const live = report.inProgress.map((r) => r.id);
    const why =
      live.length > 0
        ? `${live.length === 1 ? "run" : "runs"} ${live.join(", ")} ${live.length === 1 ? "is" : "are"} in progress and may reuse them (run gc again once ${live.length === 1 ? "it has" : "they have"} ended)`
        : `younger than ${flags.olderThan}`;
    lines.push(`kept ${plural(kept.evaluations, "evaluation")} no run refers to: ${why}`);
  }
  if (kept.blobs > 0) lines.push(`kept ${plural(kept.blobs, "stored text")} nothing refers to (messages and examples): a run is in progress (run gc again once it has ended)`);
  if (kept.cacheEntries > 0) {
    const entries = `${cacheEntries(kept.cacheEntries)} no run used`;
    lines.push(report.cache ? `kept ${entries}: used within ${flags.olderThan}` : `kept the LM cache: ${entries} (\`--cache\` removes them, \`--older-than 30d\` those unused for 30 days)`);
  }
  if (vacuum) lines.push("skipped" in vacuum ? `not compacted: ${vacuum.skipped}` : `compacted ${displayPath(file)}: ${formatBytes(vacuum.beforeBytes)} → ${formatBytes(vacuum.afterBytes)}`);
  if (report.dryRun) lines.push("nothing was removed (--dry-run)");
  return lines.join("\n");
}

function cacheEntries(n: number): string {
  return `${formatInt(n)} cache ${n === 1 ? "entry" : "entries"}`;
}

/** 1.2 MB, 340 kB, 512 B (decimal units, as `ls -h --si` and file managers show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
