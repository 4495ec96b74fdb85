import type { RunsStore } from "../store/runs-store.js";

/** The event each `dspx resume` logs: a marker of the process, not part of the run's story. */
export const RESUMED = "resumed";

/**
 * A run's event log as its session writes it. A resumed run does again what a killed process was
 * doing after the last checkpoint (a step, or finishing), and logs the same events in the same order
 * (it is a replay): those the killed process had already logged are not logged again. Once what is
 * logged differs from the earlier telling (a replay that went otherwise, e.g. on wall time), every
 * event is logged from there on.
 */
export class EventLog {
  /** Events logged after the checkpoint by earlier processes, still to be met again (type, summary). */
  private told: string[] = [];

  constructor(
    private readonly runs: RunsStore,
    private readonly runId: string,
    private readonly onEvent?: (type: string, data: Record<string, unknown>) => void,
  ) {}

  /** Resuming from a checkpoint written when `mark` was the last event's sequence number. */
  resumeAfter(mark: number | undefined): void {
    if (mark === undefined) return;
    this.told = this.runs
      .events(this.runId)
      .filter((e) => e.seq > mark && e.type !== RESUMED)
      .map((e) => key(e.type, e.data));
  }

  add(type: string, data: Record<string, unknown>): void {
    if (this.told.length > 0) {
      if (this.told[0] === key(type, data)) {
        this.told.shift();
        return;
      }
      this.told = [];
    }
    this.runs.addEvent(this.runId, type, data);
    this.onEvent?.(type, data);
  }

  /** The sequence number of the last event logged (what a checkpoint records). */
  mark(): number {
    return this.runs.lastEventSeq(this.runId);
  }
}

function key(type: string, data: Record<string, unknown>): string {
  return `${type}\u0000${typeof data.summary === "string" ? data.summary : ""}`;
}
