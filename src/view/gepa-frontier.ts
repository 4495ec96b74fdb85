import { paretoFrontier } from "../optimize/optimizers/gepa/pareto.js";
import type { EventRecord, RunRecord } from "../store/runs-store.js";

/** Which optimizer stage each stretch of a run's event log belongs to: split at the `stage` events. */
export function eventsByStage(events: readonly EventRecord[]): EventRecord[][] {
  const stages: EventRecord[][] = [[]];
  for (const e of events) {
    stages[stages.length - 1]!.push(e);
    if (e.type === "stage") stages.push([]);
  }
  return stages;
}

/**
 * The candidates on the Pareto frontier of each GEPA stage of a run, at its end. GEPA keeps its pool
 * (the stage's start and every accepted reflection and merge) in its checkpoint, which a finished run
 * no longer has; the pool is read back from the event log instead (`accepted` and `merge` name the
 * child), and each member's per-example dev scores from the run's results, in dev order — what GEPA's
 * own frontier is computed from, by the same function.
 */
export function gepaFrontier(
  run: RunRecord,
  baseline: string | null,
  events: readonly EventRecord[],
  devScores: (candidate: string) => Map<string, number>,
  devOrder: readonly string[],
): Set<string> {
  const on = new Set<string>();
  if (run.kind !== "optimize") return on;
  const segments = eventsByStage(events);
  run.config.stages.forEach((stage, k) => {
    if (stage.optimizer !== "gepa") return;
    const segment = segments[k] ?? [];
    const start = k === 0 ? baseline : stringField(segments[k - 1]?.at(-1), "best");
    const pool = [start, ...segment.filter((e) => e.type === "accepted" || e.type === "merge").map((e) => stringField(e, "child"))].filter(
      (h): h is string => h !== null,
    );
    if (pool.length === 0) return;
    const scores = pool.map((h) => {
      const s = devScores(h);
      return devOrder.map((id) => s.get(id) ?? 0);
    });
    for (const i of paretoFrontier(scores).members) on.add(pool[i]!);
  });
  return on;
}

function stringField(e: EventRecord | undefined, key: string): string | null {
  const v = e?.data[key];
  return typeof v === "string" ? v : null;
}
