import { useEffect, useMemo, useState } from "preact/hooks";
import type { RunSummary, RunsResponse } from "../../../src/view/api-types.js";
import { ErrorBox, Loading, StatusBadge } from "../components.js";
import { fmtCost, fmtDuration, fmtScore, fmtTime } from "../format.js";
import { POLL_MS, useSource } from "../hooks.js";
import { href } from "../route.js";

type SortKey = "id" | "program" | "kind" | "split" | "status" | "optimizer" | "bestScore" | "calls" | "costUsd" | "startedAt" | "durationMs" | "candidates";

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: "id", label: "Run" },
  { key: "program", label: "Program" },
  { key: "kind", label: "Kind" },
  { key: "split", label: "Split" },
  { key: "status", label: "Status" },
  { key: "optimizer", label: "Optimizer" },
  { key: "bestScore", label: "Best", numeric: true },
  { key: "candidates", label: "Cands", numeric: true },
  { key: "calls", label: "Calls", numeric: true },
  { key: "costUsd", label: "Cost", numeric: true },
  { key: "startedAt", label: "Started", numeric: true },
  { key: "durationMs", label: "Duration", numeric: true },
];

function compare(a: RunSummary, b: RunSummary, key: SortKey): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null || x === undefined) return 1;
  if (y === null || y === undefined) return -1;
  return x < y ? -1 : 1;
}

/** Every run; the list is fetched again every 1.5 s while any run is live. */
export function RunsList() {
  const source = useSource();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [q, setQ] = useState("");
  const [kind, setKind] = useState("");
  const [status, setStatus] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "startedAt", desc: true });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const res = await source.get<RunsResponse>("/api/runs");
        if (stopped) return;
        setRuns(res.runs);
        setError(null);
        if (!source.static && res.runs.some((r) => r.live)) timer = setTimeout(load, POLL_MS);
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [source]);

  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = (runs ?? []).filter(
      (r) =>
        (kind === "" || r.kind === kind) &&
        (status === "" || (status === "live" ? r.live : r.status === status)) &&
        (needle === "" || [r.id, r.name ?? "", r.program, r.programFile, r.optimizer ?? "", r.model ?? "", r.split].join(" ").toLowerCase().includes(needle)),
    );
    list.sort((a, b) => (sort.desc ? -1 : 1) * compare(a, b, sort.key) || compare(a, b, "id"));
    return list;
  }, [runs, q, kind, status, sort]);

  if (error && !runs) return <ErrorBox message={error} />;
  if (!runs) return <Loading />;
  return (
    <div>
      <h1>Runs</h1>
      <div class="controls">
        <input type="search" placeholder="Filter: program, run, optimizer, model…" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="runs-filter" />
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="runs-kind">
          <option value="">all kinds</option>
          <option value="optimize">optimize</option>
          <option value="eval">eval</option>
          <option value="compare">compare</option>
        </select>
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="runs-status">
          <option value="">any status</option>
          <option value="live">live</option>
          <option value="running">running</option>
          <option value="done">done</option>
          <option value="failed">failed</option>
          <option value="interrupted">interrupted</option>
        </select>
        <span class="muted">
          {shown.length} of {runs.length} runs
        </span>
      </div>
      {error && <ErrorBox message={error} />}
      <div class="scroll">
        <table class="grid" data-testid="runs-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  class={`sortable${c.numeric ? " num" : ""}${sort.key === c.key ? " sorted" : ""}`}
                  onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.numeric === true }))}
                  aria-sort={sort.key === c.key ? (sort.desc ? "descending" : "ascending") : "none"}
                >
                  {c.label}
                  {sort.key === c.key ? (sort.desc ? " ▾" : " ▴") : ""}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id} data-run={r.id} class={r.live ? "live-row" : ""}>
                <td>
                  <a href={href({ view: "run", run: r.id })}>{r.name ?? r.id}</a>
                  {r.name && <div class="muted small">{r.id}</div>}
                </td>
                <td title={r.programFile}>{r.program}</td>
                <td>{r.kind}</td>
                <td>{r.split}</td>
                <td>
                  <StatusBadge status={r.status} live={r.live} />
                </td>
                <td>{r.optimizer ?? "–"}</td>
                <td class="num">{fmtScore(r.bestScore)}</td>
                <td class="num">{r.candidates}</td>
                <td class="num">
                  {r.calls}
                  {r.cachedCalls > 0 && <span class="muted small"> ({r.cachedCalls} cached)</span>}
                </td>
                <td class="num">{fmtCost(r.costUsd)}</td>
                <td class="num">{fmtTime(r.startedAt)}</td>
                <td class="num">{fmtDuration(r.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p class="muted">No runs match.</p>}
    </div>
  );
}
