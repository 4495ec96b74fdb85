import { parse as parseYaml } from "yaml";
import { API_VERSION, type CandidatesResponse, type CandidateSummary, type StepStateView } from "../api-types.js";
import { mainDataset } from "../../store/run-config.js";
import type { CandidateRecord, EventRecord, RunRecord } from "../../store/runs-store.js";
import { eventsByStage, gepaFrontier } from "../gepa-frontier.js";
import type { ViewStore } from "../view-store.js";
import { findRun } from "./lookup.js";
import { groupedResults, scoresOf, type LightResult } from "./results-table.js";

/** GET /api/runs/:run/candidates: every candidate in the order it was made, with scores, lineage and state. */
export function getCandidates(store: ViewStore, ref: string): CandidatesResponse {
  const run = findRun(store, ref);
  return store.memo(`candidates:${run.id}`, () => candidatesResponse(store, run));
}

function candidatesResponse(store: ViewStore, run: RunRecord): CandidatesResponse {
  const records = store.runs.candidates(run.id);
  const events = store.runs.events(run.id);
  const grouped = groupedResults(store, run.id);
  const main = mainDataset(run);
  const baseline = records[0]?.hash ?? null;
  const devOrder = baseline ? (grouped.get(baseline)?.get(main) ?? []).map((r) => r.exampleId) : [];
  const devScores = (h: string) => new Map((grouped.get(h)?.get(main) ?? []).map((r: LightResult) => [r.exampleId, r.score]));
  const frontier = gepaFrontier(run, baseline, events, devScores, devOrder);
  const modules = modulesOf(run);
  const stageOf = stageAssigner(run, events);
  const notes = notesByCandidate(events);
  const candidates = records.map(
    (c): CandidateSummary => ({
      hash: c.hash,
      seq: c.seq,
      origin: c.origin,
      parents: c.parents,
      createdAt: c.createdAt,
      scores: scoresOf(grouped.get(c.hash)),
      onFrontier: frontier.has(c.hash),
      stage: stageOf(c),
      note: notes.get(c.hash) ?? null,
      steps: stepsOf(c.state, modules(c.hash)),
    }),
  );
  return { apiVersion: API_VERSION, run: run.id, candidates };
}

/**
 * Each candidate's step modules. The run row keeps one program source — a compare run's is A's — so
 * a compare side reads its own recorded modules; one recorded before they were, A's source when it
 * is the same program, else none (each step then shows the default, predict — not A's, which may be another program's).
 */
function modulesOf(run: RunRecord): (candidate: string) => Map<string, string> {
  const fromSource = stepModules(run.programSource);
  if (run.kind !== "compare") return () => fromSource;
  const { a, b } = run.config;
  const sideModules = (side: typeof a) =>
    side.modules ? new Map(Object.entries(side.modules)) : side.program.sha256 === a.program.sha256 ? fromSource : new Map<string, string>();
  const bySide = new Map([
    [a.candidate, sideModules(a)],
    [b.candidate, sideModules(b)],
  ]);
  return (candidate) => bySide.get(candidate) ?? fromSource;
}

/** Each step's module, from the program source the run recorded (a step naming none is `predict`). */
export function stepModules(source: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const doc: unknown = parseYaml(source);
    const steps = (doc as { steps?: unknown } | null)?.steps;
    if (steps && typeof steps === "object" && !Array.isArray(steps)) {
      for (const [name, step] of Object.entries(steps as Record<string, unknown>)) {
        const module = (step as { module?: unknown } | null)?.module;
        out.set(name, typeof module === "string" && module ? module : "predict");
      }
    }
  } catch {
    // A source that no longer parses names no modules; the states still show.
  }
  return out;
}

function stepsOf(state: unknown, modules: Map<string, string>): StepStateView[] {
  const steps = (state as { steps?: unknown } | null)?.steps;
  if (!steps || typeof steps !== "object") return [];
  return Object.entries(steps as Record<string, unknown>).map(([step, s]) => {
    const { instruction, demos } = (s ?? {}) as { instruction?: unknown; demos?: unknown };
    return {
      step,
      module: modules.get(step) ?? "predict",
      instruction: typeof instruction === "string" ? instruction : "",
      demos: (Array.isArray(demos) ? demos : []).map((d) => ({ fields: (d && typeof d === "object" ? d : { value: d }) as Record<string, unknown>, origin: null })),
    };
  });
}

/**
 * Which stage of a run made each candidate: the stage whose stretch of the event log was being
 * written when it was recorded (an optimize run of one optimizer: that one; an eval run: none).
 */
function stageAssigner(run: RunRecord, events: readonly EventRecord[]): (c: CandidateRecord) => string | null {
  if (run.kind !== "optimize") return () => null;
  const names = run.config.stages.map((s) => s.optimizer);
  const ends = eventsByStage(events)
    .slice(0, -1)
    .map((segment) => segment.at(-1)!.at);
  return (c) => {
    const k = ends.findIndex((end) => c.createdAt <= end);
    return names[k === -1 ? ends.length : k] ?? names.at(-1) ?? null;
  };
}

/** The last event that names a candidate as its `child` (a reflection, a merge, its verdict): its summary. */
function notesByCandidate(events: readonly EventRecord[]): Map<string, string> {
  const notes = new Map<string, string>();
  for (const e of events) {
    const child = e.data.child;
    const summary = e.data.summary;
    if (typeof child === "string" && typeof summary === "string") notes.set(child, summary);
  }
  return notes;
}
