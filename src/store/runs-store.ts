import type Database from "better-sqlite3";
import { z } from "zod";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";
import { compareSummarySchema, type CompareSummary } from "./compare-summary.js";
import { processGone } from "./live-runs.js";
import { readRunConfig, writeRunConfig, type RunConfigs } from "./run-config.js";
import type { WriteOp } from "./statements.js";
import { damagedRun, readStoredJson, readStoredRow, type StoredJson } from "./stored-json.js";
import type { Writer } from "./writer.js";

export type RunKind = "eval" | "optimize" | "compare";
export type RunStatus = "running" | "done" | "failed" | "interrupted";

/** Counters a run accumulates; cost null when some price was unknown. */
export interface RunTotals {
  examples?: number;
  errors?: number;
  memoized?: number;
  calls?: number;
  cachedCalls?: number;
  /** Tool calls of agent steps, and those answered from the store (absent for programs without tools). */
  toolCalls?: number;
  replayedToolCalls?: number;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number | null;
  wallMs?: number;
  /** Examples an eval run set out to score, recorded when it starts: a viewer shows its progress out of them. */
  expected?: number;
  /** A compare run's conclusion (once it is done). */
  compare?: CompareSummary;
  [key: string]: unknown;
}

interface RunFields {
  id: string;
  name?: string;
  programName: string;
  programFile: string;
  programHash: string;
  programSource: string;
  seed?: number;
  status: RunStatus;
  error?: string;
  pid?: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  bestCandidate?: string;
  bestScore?: number;
  totals: RunTotals;
}

/** A run of one kind, with its configuration: everything that defines it (models, data, optimizer settings…). */
export type RunOf<K extends RunKind> = RunFields & { kind: K; config: RunConfigs[K] };
export type RunRecord = RunOf<"eval"> | RunOf<"optimize"> | RunOf<"compare">;

/** What `RunsStore.create` records: a run's fields that are known when it starts. */
export type NewRun = {
  [K in RunKind]: Omit<RunFields, "status" | "startedAt" | "updatedAt" | "totals"> & { kind: K; config: RunConfigs[K]; startedAt?: number };
}[RunKind];

export interface CandidateRecord {
  hash: string;
  seq: number;
  state: unknown;
  parents: string[];
  origin: string;
  createdAt: number;
}

export interface EventRecord {
  seq: number;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

/** A run that cannot be read (a damaged row): listed with what is wrong, refused by everything else. */
export interface DamagedRun {
  id: string;
  damaged: string;
  startedAt?: number;
}

const runKind = z.enum(["eval", "optimize", "compare"]);
const runStatus = z.enum(["running", "done", "failed", "interrupted"]);

/** A `runs` row as SQLite returns it; its JSON columns are read apart (see readRun). */
const runRowSchema = z.object({
  id: z.string(),
  kind: runKind,
  name: z.string().nullable(),
  program_name: z.string(),
  program_file: z.string(),
  program_hash: z.string(),
  program_source: z.string(),
  config: z.unknown(),
  seed: z.number().nullable(),
  status: runStatus,
  error: z.string().nullable(),
  pid: z.number().nullable(),
  started_at: z.number(),
  updated_at: z.number(),
  finished_at: z.number().nullable(),
  best_candidate: z.string().nullable(),
  best_score: z.number().nullable(),
  totals: z.unknown(),
});

const count = z.number().optional();
const totalsSchema = z.looseObject({
  examples: count,
  errors: count,
  memoized: count,
  calls: count,
  cachedCalls: count,
  toolCalls: count,
  replayedToolCalls: count,
  promptTokens: count,
  completionTokens: count,
  costUsd: z.number().nullable().optional(),
  wallMs: count,
  expected: count,
  compare: compareSummarySchema.optional(),
});
const candidateRowSchema = z.object({ hash: z.string(), seq: z.number(), state: z.unknown(), parents: z.unknown(), origin: z.string(), created_at: z.number() });
const parentsSchema = z.array(z.string());
const eventRowSchema = z.object({ seq: z.number(), at: z.number(), type: z.string(), data: z.unknown() });
const eventDataSchema = z.record(z.string(), z.unknown());
const checkpointRowSchema = z.object({ step: z.number(), state: z.unknown() });

/** A `runs` row as a RunRecord, or what makes it unreadable. */
function readRun(raw: unknown): RunRecord | DamagedRun {
  const id = String((raw as { id?: unknown } | undefined)?.id ?? "?");
  const startedAt = (raw as { started_at?: unknown }).started_at;
  const damaged = (problem: string): DamagedRun => ({ id, damaged: problem, ...(typeof startedAt === "number" ? { startedAt } : {}) });
  const read = readStoredRow(raw, runRowSchema);
  if (!read.ok) return damaged(`its row ${read.problem}`);
  const row = read.value;
  const json = readStoredJson(row.config, z.unknown());
  const config = json.ok ? readRunConfig(row.kind, json.value) : json;
  if (!config.ok) return damaged(`its \`config\` ${config.problem}`);
  const totals = readStoredJson(row.totals, totalsSchema);
  if (!totals.ok) return damaged(`its \`totals\` ${totals.problem}`);
  const fields: RunFields = {
    id: row.id,
    programName: row.program_name,
    programFile: row.program_file,
    programHash: row.program_hash,
    programSource: row.program_source,
    status: row.status,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    totals: totals.value,
  };
  const r: RunRecord = { ...fields, ...config.value };
  if (row.name !== null) r.name = row.name;
  if (row.seed !== null) r.seed = row.seed;
  if (row.error !== null) r.error = row.error;
  if (row.pid !== null) r.pid = row.pid;
  if (row.finished_at !== null) r.finishedAt = row.finished_at;
  if (row.best_candidate !== null) r.bestCandidate = row.best_candidate;
  if (row.best_score !== null) r.bestScore = row.best_score;
  // A run whose process died without saying so was interrupted (kill -9, a crash, a reboot).
  if (r.status === "running" && processGone(r.pid)) r.status = "interrupted";
  return r;
}

export function isDamaged(run: RunRecord | DamagedRun): run is DamagedRun {
  return "damaged" in run;
}

/**
 * Runs and what belongs to them: candidates, the event log and the optimizer checkpoint. Writes go
 * through the writer thread (committed within milliseconds); reads see everything committed.
 */
export class RunsStore {
  private readonly eventSeq = new Map<string, number>();
  /** Per run: every candidate's sequence number by hash (loaded from the database on first use). */
  private readonly candidateSeqs = new Map<string, { byHash: Map<string, number>; next: number }>();

  /** @internal Made by `Store.open`; the driver stays out of the published types. */
  constructor(
    private readonly db: Database.Database,
    private readonly writer: Writer,
    /** The database file, named when a row cannot be read. */
    private readonly file: string,
    /**
     * Commits one write at once, on this thread: how a run is created, or taken over by a resuming
     * process. Another process then sees it in progress before this one has looked anything up in the
     * memo, so `dspx gc` and `dspx runs rm` never delete an evaluation it is about to link.
     */
    private readonly commitNow: (op: WriteOp) => void,
    /** False for a database file that does not exist (read without creating it): its errors say so. */
    private readonly exists = true,
  ) {}

  /** Records a new run, committed before this returns (see `commitNow`). */
  create(run: NewRun): void {
    const at = run.startedAt ?? Date.now();
    this.commitNow({
      name: "run.create",
      params: {
        id: run.id,
        kind: run.kind,
        name: run.name ?? null,
        programName: run.programName,
        programFile: run.programFile,
        programHash: run.programHash,
        programSource: run.programSource,
        config: writeRunConfig(run.kind, run.config),
        seed: run.seed ?? null,
        pid: run.pid ?? process.pid,
        at,
      },
    });
  }

  /** Changes a run's row. Marking it `running` (a process taking it over) is committed before this returns, like `create`. */
  update(
    id: string,
    patch: { status?: RunStatus; error?: string; bestCandidate?: string; bestScore?: number; totals?: RunTotals; pid?: number; finished?: boolean },
  ): void {
    const at = Date.now();
    (patch.status === "running" ? this.commitNow : (op: WriteOp) => this.writer.write(op))({
      name: "run.update",
      params: {
        id,
        status: patch.status ?? null,
        error: patch.error ?? null,
        bestCandidate: patch.bestCandidate ?? null,
        bestScore: patch.bestScore ?? null,
        totals: patch.totals ? JSON.stringify(patch.totals) : null,
        pid: patch.pid ?? null,
        finishedAt: patch.finished ? at : null,
        at,
      },
    });
  }

  /**
   * Records a candidate of a run once (by its state hash); returns its sequence number. A candidate
   * the run already has keeps its number, so a resumed run that meets it again (replaying a step)
   * numbers its new candidates exactly as an uninterrupted run would.
   */
  addCandidate(runId: string, c: { hash: string; state: unknown; parents?: string[]; origin: string }): number {
    let known = this.candidateSeqs.get(runId);
    if (!known) {
      const rows = this.db.prepare("SELECT hash, seq FROM candidates WHERE run_id = ? ORDER BY seq").all(runId) as { hash: string; seq: number }[];
      known = { byHash: new Map(rows.map((r) => [r.hash, r.seq])), next: (rows.at(-1)?.seq ?? -1) + 1 };
      this.candidateSeqs.set(runId, known);
    }
    const existing = known.byHash.get(c.hash);
    if (existing !== undefined) return existing;
    const seq = known.next++;
    known.byHash.set(c.hash, seq);
    this.writer.write({
      name: "candidate.add",
      params: { runId, hash: c.hash, seq, state: JSON.stringify(c.state), parents: JSON.stringify(c.parents ?? []), origin: c.origin, at: Date.now() },
    });
    return seq;
  }

  /** Appends to a run's event log; returns the event's sequence number. */
  addEvent(runId: string, type: string, data: Record<string, unknown> = {}): number {
    const seq = this.lastEventSeq(runId) + 1;
    this.eventSeq.set(runId, seq);
    this.writer.write({ name: "event.add", params: { runId, seq, at: Date.now(), type, data: JSON.stringify(data) } });
    return seq;
  }

  /** The sequence number of the run's last event, written or queued (-1 when it has none). */
  lastEventSeq(runId: string): number {
    let n = this.eventSeq.get(runId);
    if (n === undefined) {
      n = (this.db.prepare("SELECT COALESCE(MAX(seq), -1) AS n FROM events WHERE run_id = ?").get(runId) as { n: number }).n;
      this.eventSeq.set(runId, n);
    }
    return n;
  }

  /**
   * Records what a run's LM calls have cost so far (tokens and USD over all its sessions) in its
   * totals, leaving the other totals as they are. Written in the same transaction as the cache
   * entries of the calls it counts (see Spend), so a kill never keeps one without the other.
   */
  recordSpend(runId: string, spend: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number | null }): void {
    this.writer.write({ name: "run.spend", params: { id: runId, ...spend, at: Date.now() } });
  }

  putCheckpoint(runId: string, step: number, state: unknown): void {
    this.writer.write({ name: "checkpoint.put", params: { runId, step, state: JSON.stringify(state), at: Date.now() } });
  }

  /** A run's last checkpoint, checked against the optimizer's `schema`; a UserError naming the run when it does not read. */
  checkpoint<T>(runId: string, schema: z.ZodType<T>): { step: number; state: T } | undefined {
    const raw = this.db.prepare("SELECT step, state FROM checkpoints WHERE run_id = ?").get(runId);
    if (raw === undefined) return undefined;
    const row = this.readOrFail(runId, "its checkpoint row", readStoredRow(raw, checkpointRowSchema));
    return { step: row.step, state: this.readOrFail(runId, "its checkpoint", readStoredJson(row.state, schema)) };
  }

  get(id: string): RunRecord | undefined {
    const row: unknown = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id);
    return row === undefined ? undefined : this.readable(readRun(row));
  }

  /** A run by its id or a unique prefix of it (≥ 4 characters); a UserError naming the problem otherwise. */
  resolve(ref: string, what = "run"): RunRecord {
    return this.readable(this.match(ref, what));
  }

  /**
   * The id of the run `ref` names (as `resolve` finds it), even when the run's row is damaged: for
   * removing it. Its status and pid as far as they read, to tell whether it is in progress.
   */
  resolveId(ref: string, what = "run"): { id: string; damaged?: string; run?: RunRecord } {
    const found = this.match(ref, what);
    return isDamaged(found) ? { id: found.id, damaged: found.damaged } : { id: found.id, run: found };
  }

  private match(ref: string, what: string): RunRecord | DamagedRun {
    const text = ref.trim().toLowerCase();
    if (!/^[0-9a-z]{4,}$/.test(text)) {
      throw new UserError(`${what} ${JSON.stringify(ref)}: expected a run id (at least its first 4 characters; see \`dspx runs\`)`);
    }
    const rows = this.db.prepare("SELECT * FROM runs WHERE id LIKE ? || '%' ORDER BY started_at DESC, rowid DESC LIMIT 6").all(text).map(readRun);
    if (rows.length === 0) {
      throw new UserError(
        this.exists
          ? `no run ${JSON.stringify(ref)} in this database (see \`dspx runs\`)`
          : `no run ${JSON.stringify(ref)}: there is no dspx database at ${displayPath(this.file)} yet (dspx eval and dspx optimize create it; --db or DSPX_DB name another)`,
      );
    }
    if (rows.length > 1 && !rows.some((r) => r.id === text)) {
      throw new UserError(`${JSON.stringify(ref)} matches several runs (${rows.map((r) => r.id).join(", ")}): give more characters`);
    }
    return rows.find((r) => r.id === text) ?? rows[0]!;
  }

  /** The newest runs; a damaged one is listed as such (with what is wrong), so one bad row hides no other. */
  list(options: { limit?: number } = {}): (RunRecord | DamagedRun)[] {
    return this.db.prepare("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?").all(options.limit ?? 50).map(readRun);
  }

  candidates(runId: string): CandidateRecord[] {
    return this.db
      .prepare("SELECT hash, seq, state, parents, origin, created_at FROM candidates WHERE run_id = ? ORDER BY seq")
      .all(runId)
      .map((raw) => {
        const r = this.readOrFail(runId, "a candidate row", readStoredRow(raw, candidateRowSchema));
        const what = `candidate ${r.hash.slice(0, 10)}`;
        const state = this.readOrFail(runId, `the state of ${what}`, readStoredJson(r.state, z.unknown()));
        const parents = this.readOrFail(runId, `the parents of ${what}`, readStoredJson(r.parents, parentsSchema));
        return { hash: r.hash, seq: r.seq, state, parents, origin: r.origin, createdAt: r.created_at };
      });
  }

  events(runId: string): EventRecord[] {
    return this.db
      .prepare("SELECT seq, at, type, data FROM events WHERE run_id = ? ORDER BY seq")
      .all(runId)
      .map((raw) => {
        const r = this.readOrFail(runId, "an event row", readStoredRow(raw, eventRowSchema));
        return { seq: r.seq, at: r.at, type: r.type, data: this.readOrFail(runId, `event ${r.seq} (${r.type})`, readStoredJson(r.data, eventDataSchema)) };
      });
  }

  /** The run, or a UserError naming it and the database when its row is damaged. */
  private readable(run: RunRecord | DamagedRun): RunRecord {
    if (isDamaged(run)) throw damagedRun(this.file, run.id, run.damaged);
    return run;
  }

  private readOrFail<T>(runId: string, what: string, read: StoredJson<T>): T {
    if (!read.ok) throw damagedRun(this.file, runId, `${what} ${read.problem}`);
    return read.value;
  }
}
