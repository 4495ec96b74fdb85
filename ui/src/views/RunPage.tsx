import { useMemo, useState } from "preact/hooks";
import type { BudgetView, DatasetScoreView, EventView, RunResponse } from "../../../src/view/api-types.js";
import { ErrorBox, Loading, Section, StatusBadge, Value } from "../components.js";
import { asText, fmtCost, fmtDuration, fmtScore, fmtTime } from "../format.js";
import { useLiveRun } from "../hooks.js";
import { href } from "../route.js";
import { CandidateDetail } from "./CandidateDetail.js";
import { Comparison } from "./Comparison.js";
import { Lineage } from "./Lineage.js";
import { ScoreChart } from "./ScoreChart.js";

export function RunPage({ runId, candidate }: { runId: string; candidate?: string }) {
  const { run: res, candidates, error, updates } = useLiveRun(runId);
  const list = candidates?.candidates ?? [];
  const byHash = useMemo(() => new Map(list.map((c) => [c.hash, c])), [list]);
  if (!res) return error ? <ErrorBox message={error} /> : <Loading />;
  const { run } = res;
  const selectedHash = candidate && byHash.has(candidate) ? candidate : (run.bestCandidate ?? list[list.length - 1]?.hash ?? null);
  const selected = selectedHash ? (byHash.get(selectedHash) ?? null) : null;
  const select = (hash: string) => {
    location.hash = href({ view: "run", run: run.id, candidate: hash });
  };
  const baselineScore =
    (res.baselineCandidate ? byHash.get(res.baselineCandidate)?.scores[run.split]?.mean : undefined) ??
    res.final.baseline.find((d) => d.dataset === run.split)?.mean ??
    null;
  return (
    <div data-testid="run-page" data-version={res.version} data-updates={updates} data-candidates={list.length}>
      <h1>
        {run.name ?? run.id} <StatusBadge status={run.status} live={run.live} />
      </h1>
      <div class="meta">
        <span>
          {run.kind} of <b>{run.program}</b> <span class="muted">({run.programFile})</span>
        </span>
        {run.optimizer && <span>optimizer {run.optimizer}</span>}
        {run.model && <span>model {run.model}</span>}
        <span>split {run.split}</span>
        <span>started {fmtTime(run.startedAt)}</span>
        <span>{fmtDuration(run.durationMs)}</span>
        <a href={href({ view: "examples", run: run.id, query: {} })} data-testid="examples-link">
          Examples →
        </a>
      </div>
      {error && <ErrorBox message={`Live update failed: ${error}`} />}
      <div class="tiles" data-testid="run-tiles">
        <Tile label="best score" value={fmtScore(run.bestScore)} />
        <Tile label="candidates" value={String(list.length)} testid="candidate-count" />
        <Tile label="calls" value={`${run.calls}${run.cachedCalls ? ` (${run.cachedCalls} cached)` : ""}`} testid="calls" />
        <Tile label="cost" value={fmtCost(run.costUsd)} />
        <Tile label="progress" value={`${res.progress.done}${res.progress.total !== null ? ` / ${res.progress.total}` : ""}`} testid="progress" />
      </div>
      {res.compare && (
        <Section title="Comparison" testid="comparison-section">
          <Comparison runId={run.id} compare={res.compare} running={run.live} />
        </Section>
      )}
      {res.budget && <Budget budget={res.budget} />}
      {res.stages.length > 1 && (
        <Section title="Stages">
          <ol>
            {res.stages.map((s, i) => (
              <li key={i}>
                {s.optimizer} — {s.status}, best {fmtScore(s.bestScore)}
              </li>
            ))}
          </ol>
        </Section>
      )}
      {run.kind === "optimize" && (
        <Section title="Score over time" testid="score-section">
          <ScoreChart scores={res.scores} baseline={baselineScore} onSelect={select} />
        </Section>
      )}
      {list.length > 0 && run.kind === "optimize" && (
        <Section title="Candidate lineage" testid="lineage-section">
          <Lineage candidates={list} split={run.split} best={run.bestCandidate} selected={selectedHash} onSelect={select} />
        </Section>
      )}
      {selected && (
        <Section title={`Candidate #${selected.seq}${run.kind === "compare" ? ` (side ${selected.origin})` : selected.hash === run.bestCandidate ? " (best)" : ""}`}>
          <CandidateDetail candidate={selected} byHash={byHash} onSelect={select} />
        </Section>
      )}
      {run.kind !== "compare" && (
        <Section title="Final scores" testid="final-scores">
          <FinalScores baseline={res.final.baseline} best={res.final.best} />
        </Section>
      )}
      <Section title="Configuration and plan">
        <details>
          <summary>Configuration</summary>
          <Value value={res.config} />
        </details>
        <details>
          <summary>Plan</summary>
          {res.plan === null || res.plan === undefined ? <p class="muted">not recorded</p> : <Value value={res.plan} />}
        </details>
      </Section>
      <Section title={`Events (${res.events.length})`}>
        <Events events={res.events} />
      </Section>
    </div>
  );
}

function Tile({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <div class="tile" data-testid={testid}>
      <div class="tile-value">{value}</div>
      <div class="tile-label">{label}</div>
    </div>
  );
}

function Budget({ budget }: { budget: BudgetView }) {
  const rows: [string, number | null, number | null, (x: number) => string][] = [
    ["calls", budget.used.calls, budget.limit.calls, String],
    ["rollouts", budget.used.rollouts, budget.limit.rollouts, String],
    ["cost", budget.used.usd, budget.limit.usd, (x) => fmtCost(x)],
  ];
  return (
    <Section title="Budget used">
      <table class="grid compact budget">
        <tbody>
          {rows.map(([name, used, limit, fmt]) => (
            <tr key={name}>
              <td>{name}</td>
              <td class="num">{used === null ? "–" : fmt(used)}</td>
              <td class="num">{limit === null ? "no limit" : `of ${fmt(limit)}`}</td>
              <td class="bar-cell">
                {limit !== null && used !== null && limit > 0 && (
                  <div class="bar">
                    <div style={{ width: `${Math.min(100, (100 * used) / limit)}%` }} />
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function FinalScores({ baseline, best }: RunResponse["final"]) {
  const datasets = [...new Set([...baseline, ...best].map((d) => d.dataset))];
  if (datasets.length === 0) return <p class="muted">Not scored yet.</p>;
  const cell = (d: DatasetScoreView | undefined) =>
    d ? (
      <>
        {fmtScore(d.mean)} <span class="muted small">n={d.n}{d.errors ? `, ${d.errors} errors` : ""}{d.ci95 ? `, CI ${fmtScore(d.ci95[0])}–${fmtScore(d.ci95[1])}` : ""}</span>
      </>
    ) : (
      "–"
    );
  return (
    <table class="grid compact">
      <thead>
        <tr>
          <th>dataset</th>
          <th>baseline</th>
          <th>best</th>
        </tr>
      </thead>
      <tbody>
        {datasets.map((ds) => (
          <tr key={ds} data-dataset={ds}>
            <td>{ds}</td>
            <td>{cell(baseline.find((d) => d.dataset === ds))}</td>
            <td>{cell(best.find((d) => d.dataset === ds))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const EVENTS_SHOWN = 200;

function Events({ events }: { events: EventView[] }) {
  const [all, setAll] = useState(false);
  const [type, setType] = useState("");
  const types = [...new Set(events.map((e) => e.type))].sort();
  const matching = events.filter((e) => type === "" || e.type === type);
  const shown = all ? matching : matching.slice(-EVENTS_SHOWN);
  return (
    <div>
      <div class="controls">
        <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">all types</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        {matching.length > shown.length && (
          <button onClick={() => setAll(true)}>
            show all {matching.length} (showing the last {shown.length})
          </button>
        )}
      </div>
      <div class="scroll events">
        <table class="grid compact">
          <tbody>
            {shown.map((e) => (
              <tr key={e.seq}>
                <td class="num muted">{e.seq}</td>
                <td class="muted nowrap">{fmtTime(e.at)}</td>
                <td class="nowrap">{e.type}</td>
                <td>
                  <EventData data={e.data} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function EventData({ data }: { data: unknown }) {
  const text = data === null || data === undefined ? "" : typeof data === "string" ? data : JSON.stringify(data);
  if (text.length <= 160) return <code class="event-data">{text}</code>;
  return (
    <details>
      <summary>
        <code class="event-data">{text.slice(0, 157)}…</code>
      </summary>
      <Value value={typeof data === "string" ? data : asText(data)} />
    </details>
  );
}

