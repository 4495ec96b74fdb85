import { isSplitName } from "../../program/types.js";
import { runView, type CandidateView, type RunView } from "../../view/run-view.js";
import type { EventRecord, RunOf, RunRecord } from "../../store/runs-store.js";
import { mainDataset } from "../../store/run-config.js";
import { programChanged } from "../program-changed.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { formatDuration, formatInt, formatScore, formatUsd, plural } from "../output.js";
import { bestCandidateLines } from "../render/candidate.js";
import { toolCallsPhrase } from "../render/eval.js";
import { stageLines } from "../render/optimize.js";
import { stagesSchema } from "../../optimize/report.js";
import { sparkline } from "../render/chart.js";
import { storedTrajectories, trajectoryLines } from "../render/trajectory.js";
import { worstTable } from "../render/worst.js";
import { oneLineCell } from "../text-width.js";
import type { Column, TableSpec } from "../table.js";
import { wrapParts } from "../wrap.js";
import { formatWhen, runSummary } from "./runs.js";
import { displayPath } from "../../util/display-path.js";
import type { Store } from "../../store/store.js";
import { compareRunLines, type SideScores } from "../render/compare-run.js";

export interface ShowFlags {
  db?: string;
  json?: boolean;
  show?: number;
  /** How many of the latest events to list, or every one. */
  events?: number | "all";
}

/** Events listed when --events is not given: the latest ones. */
export const DEFAULT_EVENTS = 20;

export async function showCommand(ref: string, flags: ShowFlags, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx, { write: false });
  const view = runView(store, store.runs.resolve(ref));
  const { output } = ctx;
  if (output.json) {
    output.out(JSON.stringify(viewJson(view)));
    return 0;
  }
  const { run } = view;
  const compared = run.kind === "compare" ? { run, scores: sideScores(store, run) } : undefined;
  output.out(renderView(view, ctx, flags.show ?? 5, flags.events ?? DEFAULT_EVENTS, compared));
  return 0;
}

/** Each example's score on either side of a compare run, in dataset order. */
function sideScores(store: Store, run: RunOf<"compare">): SideScores[] {
  const byId = new Map<string, SideScores & { idx: number }>();
  for (const k of ["a", "b"] as const) {
    for (const r of store.evaluations.results(run.id, { candidate: run.config[k].candidate, dataset: run.config.dataset })) {
      const row = byId.get(r.exampleId) ?? { exampleId: r.exampleId, idx: r.idx };
      row[k] = r.score;
      byId.set(r.exampleId, row);
    }
  }
  return [...byId.values()].sort((x, y) => x.idx - y.idx).map(({ idx: _idx, ...s }) => s);
}

function viewJson(v: RunView) {
  const { run } = v;
  return {
    run: { ...runSummary(run), programFile: run.programFile, programHash: run.programHash, config: run.config, seed: run.seed ?? null, error: run.error ?? null, totals: run.totals, bestCandidate: run.bestCandidate ?? null },
    candidates: v.candidates.map((c) => ({ hash: c.hash, seq: c.seq, origin: c.origin, parents: c.parents, scores: c.scores })),
    progression: v.progression,
    results: v.results.map((r) => ({ id: r.exampleId, score: r.score, ...(r.feedback !== undefined ? { feedback: r.feedback } : {}), ...(r.error ? { error: r.error } : {}), ...(r.outputs ? { outputs: r.outputs } : {}), memoized: r.memoized, ...trajectoriesJson(r.trace) })),
    events: v.events,
  };
}

/** An agent step's iterations by step name, only for results that have some (other programs' JSON is unchanged). */
function trajectoriesJson(trace: readonly unknown[]) {
  const found = storedTrajectories(trace);
  return found.length > 0 ? { trajectories: Object.fromEntries(found.map((t) => [t.step, t.trajectory])) } : {};
}

function renderView(v: RunView, { output }: CommandContext, worst: number, events: number | "all", compared?: { run: RunOf<"compare">; scores: SideScores[] }): string {
  const c = output.color;
  const { run } = v;
  const lines: string[] = [];
  const status = run.status === "done" ? c.green(run.status) : run.status === "running" ? c.cyan(run.status) : c.yellow(run.status);
  lines.push(wrapParts("", [`${c.bold(`run ${run.id}`)}${run.name ? ` ${c.dim(run.name)}` : ""}`, run.kind, run.programName, status], output.columns));
  if (run.error) lines.push(`${c.red("error")}    ${run.error}`);
  if (compared) {
    // A compare run: its two sides and what the comparison concluded, its totals, its events.
    lines.push(...compareRunLines(compared.run, compared.scores, output, worst));
    lines.push("");
    lines.push(`${c.bold("started")}  ${formatWhen(run.startedAt)} · took ${formatDuration((run.finishedAt ?? run.updatedAt) - run.startedAt)}`);
    lines.push(totalsLine(run, output, [plural(Number(run.totals.examples ?? 0), "example") + " compared"]));
    if (v.events.length > 0) {
      const { heading, listed } = eventsListed(v.events, events);
      lines.push("", c.bold(heading), output.table(eventsTable(listed), "plain"));
    }
    return lines.join("\n");
  }
  lines.push(`${c.bold("program")}  ${displayPath(run.programFile)}${programChanged(run.programFile, run.programHash) ? c.yellow(" (changed since this run)") : ""}`);
  const seedShown = run.seed !== undefined && !("seed" in run.config);
  if (run.kind === "eval") lines.push(wrapParts(`${c.bold("data")}     `, evalDataParts(run), output.columns));
  lines.push(wrapParts(`${c.bold("config")}   `, [...configParts(shownConfig(run)), ...(seedShown ? [`seed ${run.seed}`] : [])], output.columns));
  lines.push(`${c.bold("started")}  ${formatWhen(run.startedAt)} · took ${formatDuration((run.finishedAt ?? run.updatedAt) - run.startedAt)}`);
  const t = run.totals;
  const n = (key: string) => formatInt(Number(t[key] ?? 0));
  const count = (key: string, word: string) => plural(Number(t[key] ?? 0), word);
  // An eval run counts examples; an optimize run counts steps, candidates and rollouts.
  lines.push(
    run.kind === "optimize"
      ? totalsLine(run, output, [count("steps", "step"), count("candidates", "candidate"), count("rollouts", "rollout"), `${count("calls", "call")}${t.proposalCalls ? ` (${n("proposalCalls")} proposal/reflection)` : ""}`])
      : totalsLine(run, output, [count("examples", "example")]),
  );
  const stages = stagesSchema.safeParse(t.stages);
  if (stages.success) lines.push(...stageLines(stages.data, c));
  lines.push("");
  const bestHash = run.bestCandidate ?? v.candidates[0]?.hash;
  lines.push(...bestCandidateLines(v.candidates.find((cand) => cand.hash === bestHash), mainDataset(run), output.columns, c, run.kind === "eval" ? "program" : "best"));
  lines.push("");
  lines.push(c.bold("candidates"));
  lines.push(output.table(candidatesTable(v.candidates, run.bestCandidate)));
  if (v.progression.length > 1) {
    lines.push("");
    lines.push(`${c.bold(run.kind === "eval" ? "score as results came in" : "best score by candidate")}  ${sparkline(v.progression)}`);
  }
  if (run.kind === "eval" && v.results.length > 0) {
    lines.push("");
    const low = [...v.results].filter((r) => r.score < 1 || r.error).sort((a, b) => a.score - b.score || a.idx - b.idx).slice(0, worst);
    lines.push(c.bold("lowest-scoring examples"));
    const rows = low.map((r) => {
      const first = (r.trace[0] as { inputs?: Record<string, unknown> } | undefined)?.inputs ?? {};
      const input = Object.values(first).length === 1 ? Object.values(first)[0] : first;
      return { id: r.exampleId, score: r.score, input, ...(r.error ? { error: r.error.message } : {}), ...(r.feedback !== undefined ? { feedback: r.feedback } : {}) };
    });
    lines.push(low.length === 0 ? c.green("every example scored 1") : output.table(worstTable(rows, c)));
    const agents = low.flatMap((r) => storedTrajectories(r.trace).map((t) => ({ id: r.exampleId, ...t })));
    if (agents.length > 0) {
      lines.push("");
      lines.push(c.bold("their agent steps"));
      for (const a of agents) lines.push(`${c.bold(`example ${oneLineCell(a.id)}`)} ${c.dim(`step ${a.step}`)}`, ...trajectoryLines(a.trajectory, c));
    }
  }
  if (v.events.length > 0) {
    lines.push("");
    const { heading, listed } = eventsListed(v.events, events);
    lines.push(c.bold(heading));
    lines.push(output.table(eventsTable(listed), "plain"));
  }
  return lines.join("\n");
}

/**
 * The totals line: `work` (what the run counts first), then — for an eval or compare run — errors,
 * reuse, calls and tool calls; tokens and cost.
 */
function totalsLine(run: RunRecord, output: CommandContext["output"], work: string[]): string {
  const t = run.totals;
  const n = (key: string) => formatInt(Number(t[key] ?? 0));
  const count = (key: string, word: string) => plural(Number(t[key] ?? 0), word);
  const evaluated =
    run.kind === "optimize"
      ? []
      : [count("errors", "error"), ...(t.memoized ? [`${n("memoized")} reused`] : []), `${count("calls", "call")}${t.cachedCalls ? ` (${n("cachedCalls")} cached)` : ""}`, ...(t.toolCalls !== undefined ? [toolCallsPhrase(t)!] : [])];
  return wrapParts(`${output.color.bold("totals")}   `, [...work, ...evaluated, `${n("promptTokens")} prompt / ${n("completionTokens")} completion tokens`, `cost ${formatUsd((t.costUsd ?? 0) as number | null)}`], output.columns);
}

/** The configuration line's settings: an eval run's dataset and limit are on its data line instead. */
function shownConfig(run: RunRecord): Record<string, unknown> {
  if (run.kind === "compare") {
    const { a: _a, b: _b, dataset: _dataset, limit: _limit, ...rest } = run.config;
    return rest;
  }
  if (run.kind !== "eval") {
    // One optimizer's settings as `settings`; a sequence's under each optimizer's name, in order.
    const { optimizer, stages, ...rest } = run.config;
    const settings = stages.length === 1 ? { settings: stages[0]!.settings } : Object.fromEntries(stages.map((s) => [s.optimizer, s.settings]));
    return { optimizer, ...settings, ...rest };
  }
  const { dataset: _dataset, datasetFile: _file, limit: _limit, ...rest } = run.config;
  return rest;
}

/**
 * What an eval run scored: the split (or the file given with --dataset), the file it read when the
 * run recorded it, and how many examples (of how many, under --limit).
 */
export function evalDataParts(run: Pick<RunOf<"eval">, "config" | "totals">): string[] {
  const { dataset: label, datasetFile: file, limit } = run.config;
  const isSplit = isSplitName(label);
  const examples = Number(run.totals.examples ?? 0);
  return [
    isSplit ? `split ${label}` : `dataset ${displayPath(label)}`,
    ...(isSplit && file ? [displayPath(file)] : []),
    `${plural(examples, "example")}${limit !== undefined ? ` (--limit ${formatInt(limit)})` : ""}`,
  ];
}

/**
 * The candidates, best first: each dataset's score, then its 95% CI and count, origin and parents.
 * Narrowed, parents go first, then the sequence number, origin and the intervals (whole or not at all).
 */
export function candidatesTable(candidates: readonly CandidateView[], best: string | undefined): TableSpec {
  const datasets = [...new Set(candidates.flatMap((cand) => Object.keys(cand.scores)))];
  const n = datasets.length;
  return {
    columns: [
      { header: "#", priority: 3 + 2 * n, align: "right" },
      { header: "candidate", priority: 1 },
      ...datasets.flatMap((d, j): Column[] => [
        { header: d, priority: 2 + j, align: "right" },
        { header: `${d} 95% CI`, priority: 2 + n + j },
      ]),
      { header: "origin", priority: 2 + 2 * n, truncate: true, min: 8 },
      { header: "parents", priority: 4 + 2 * n, truncate: true },
    ],
    rows: [...candidates]
      .sort((a, b) => (b.scores[datasets[0]!]?.mean ?? -1) - (a.scores[datasets[0]!]?.mean ?? -1) || a.seq - b.seq)
      .map((cand) => [
        String(cand.seq),
        (cand.hash === best ? "★ " : "") + cand.hash.slice(0, 10),
        ...datasets.flatMap((d) => {
          const s = cand.scores[d];
          return s ? [formatScore(s.mean), `[${formatScore(s.ci95[0])}, ${formatScore(s.ci95[1])}] n=${s.n}`] : ["–", ""];
        }),
        cand.origin,
        cand.parents.map((p) => p.slice(0, 10)).join(", ") || "–",
      ]),
  };
}

/** The events `show` lists (the latest `limit`, or all) and the heading that says how many of how many. */
export function eventsListed(events: readonly EventRecord[], limit: number | "all"): { heading: string; listed: readonly EventRecord[] } {
  const listed = limit === "all" ? events : events.slice(-limit);
  const heading = listed.length === events.length ? `events (${events.length})` : `events (the last ${listed.length} of ${events.length}; --events all lists every one)`;
  return { heading, listed };
}

/** The event log: the text is cut to fit; narrowed, the time goes first, then the sequence number. */
export function eventsTable(events: readonly EventRecord[]): TableSpec {
  return {
    columns: [
      { header: "", priority: 3, align: "right" },
      { header: "", priority: 4 },
      { header: "", priority: 2 },
      { header: "", priority: 1, truncate: true },
    ],
    rows: events.map((e) => [String(e.seq), formatWhen(e.at).slice(11), e.type, eventText(e.data)]),
  };
}

/**
 * A run's configuration, one part per setting: nested settings as key=value, data files as the user
 * would name them with the start of their hash (the full record is in --json).
 */
function configParts(config: Record<string, unknown>): string[] {
  const value = (v: unknown): string => {
    if (v === null || typeof v !== "object") return String(v);
    const file = (v as { file?: unknown; sha256?: unknown }).file;
    if (typeof file === "string") {
      const sha = (v as { sha256?: unknown }).sha256;
      return `${displayPath(file)}${typeof sha === "string" ? ` (${sha.slice(0, 8)})` : ""}`;
    }
    if (Array.isArray(v)) return v.map(value).join(", ");
    return Object.entries(v)
      .filter(([, x]) => !isEmptyObject(x))
      .map(([k, x]) => (x !== null && typeof x === "object" && !Array.isArray(x) && typeof (x as { file?: unknown }).file !== "string" ? `${k}={${value(x)}}` : `${k}=${value(x)}`))
      .join(" ");
  };
  // `defaultBudget` says the limits are the built-in default, not a budget the user gave.
  const { defaultBudget, ...rest } = config;
  return Object.entries(rest)
    .filter(([, v]) => !isEmptyObject(v))
    .map(([k, v]) => `${k} ${value(v)}${k === "limits" && defaultBudget === true ? " (the default)" : ""}`);
}

const isEmptyObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;

function eventText(data: Record<string, unknown>): string {
  if (typeof data.summary === "string") return data.summary;
  return Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Number.isInteger(v) ? v : v.toFixed(3)) : typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}
