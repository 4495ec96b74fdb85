import { useEffect, useState } from "preact/hooks";
import type { CandidateSummary, CandidatesResponse, ExampleRow, ExamplesResponse, PairedStats } from "../../../src/view/api-types.js";
import { EXAMPLE_FILTERS } from "../../../src/view/examples-filter.js";
import { ErrorBox, Loading } from "../components.js";
import { fmtScore, fmtSigned, shortHash } from "../format.js";
import { PairedTiles } from "./PairedTiles.js";
import { useData } from "../hooks.js";
import { href, type ExamplesQuery } from "../route.js";


export function candidateLabel(c: CandidateSummary | undefined, hash: string): string {
  return c ? `#${c.seq} ${c.origin} ${shortHash(c.hash)}` : shortHash(hash);
}

/** Two candidates' scores on every example, side by side; filtered, searched and paged by the server. */
export function Examples({ runId, query }: { runId: string; query: ExamplesQuery }) {
  const base = `/api/runs/${encodeURIComponent(runId)}`;
  const candidates = useData<CandidatesResponse>(`${base}/candidates`);
  const examples = useData<ExamplesResponse>(`${base}/examples`, {
    a: query.a,
    b: query.b,
    dataset: query.dataset,
    filter: query.filter && query.filter !== "all" ? query.filter : undefined,
    q: query.q,
    page: query.page && query.page > 1 ? query.page : undefined,
  });
  const [q, setQ] = useState(query.q ?? "");
  const go = (change: Partial<ExamplesQuery>) => {
    const next: ExamplesQuery = { ...query, ...change };
    if (!("page" in change)) delete next.page;
    location.hash = href({ view: "examples", run: runId, query: next });
  };
  useEffect(() => setQ(query.q ?? ""), [query.q]);
  useEffect(() => {
    if (q === (query.q ?? "")) return;
    const t = setTimeout(() => go({ q: q === "" ? undefined : q }), 300);
    return () => clearTimeout(t);
  }, [q]);

  const list = candidates.data?.candidates ?? [];
  const byHash = new Map(list.map((c) => [c.hash, c]));
  const datasets = [...new Set(list.flatMap((c) => Object.keys(c.scores)))];
  const res = examples.data;
  const filter = query.filter ?? "all";
  return (
    <div data-testid="examples-page">
      <h1>
        Examples <a href={href({ view: "run", run: runId })} class="small">← run {runId}</a>
      </h1>
      <div class="controls">
        <CandidatePicker label="A" value={res?.a ?? query.a ?? ""} candidates={list} onPick={(a) => go({ a })} />
        <CandidatePicker label="B" value={res?.b ?? query.b ?? ""} candidates={list} onPick={(b) => go({ b })} />
        {datasets.length > 1 && (
          <label>
            dataset{" "}
            <select value={res?.dataset ?? query.dataset ?? ""} onChange={(e) => go({ dataset: e.currentTarget.value })}>
              {datasets.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
        )}
        <input type="search" placeholder="Search inputs…" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="examples-search" />
      </div>
      <div class="controls filters" role="group" aria-label="filter">
        {EXAMPLE_FILTERS.map((f) => (
          <button key={f} class={f === filter ? "chip on" : "chip"} onClick={() => go({ filter: f === "all" ? undefined : f })} data-filter={f}>
            {f}
          </button>
        ))}
      </div>
      {examples.error && <ErrorBox message={examples.error} />}
      {candidates.error && <ErrorBox message={candidates.error} />}
      {!res ? (
        !examples.error && <Loading />
      ) : (
        <>
          <Stats stats={res.stats} a={candidateLabel(byHash.get(res.a), res.a)} b={candidateLabel(byHash.get(res.b), res.b)} />
          <p class="muted" data-testid="examples-total" data-total={res.total}>
            {res.total} examples match{filter !== "all" ? ` “${filter}”` : ""}
            {res.q ? ` and “${res.q}”` : ""} · {res.dataset}
          </p>
          {(res.omittedExamples ?? 0) > 0 && (
            <p class="muted" data-testid="omitted-note">
              This report holds {(res.totalExamples ?? 0) - (res.omittedExamples ?? 0)} of the {res.totalExamples} examples (errors and changed examples first); {res.omittedExamples} were left out.
            </p>
          )}
          <table class="grid" data-testid="examples-table">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>example</th>
                <th>inputs</th>
                <th class="num">A</th>
                <th class="num">B</th>
                <th class="num">B − A</th>
              </tr>
            </thead>
            <tbody>
              {res.rows.map((r) => (
                <Row key={r.exampleId} row={r} to={href({ view: "example", run: runId, example: r.exampleId, query: { a: res.a, b: res.b, dataset: res.dataset } })} />
              ))}
            </tbody>
          </table>
          <Pager page={res.page} pageSize={res.pageSize} total={res.total} go={(page) => go({ page })} />
        </>
      )}
    </div>
  );
}

function CandidatePicker({ label, value, candidates, onPick }: { label: "A" | "B"; value: string; candidates: CandidateSummary[]; onPick: (hash: string) => void }) {
  return (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => onPick(e.currentTarget.value)} data-testid={`pick-${label.toLowerCase()}`}>
        {candidates.map((c) => (
          <option key={c.hash} value={c.hash}>
            {candidateLabel(c, c.hash)}
          </option>
        ))}
      </select>
    </label>
  );
}

function SideScore({ side }: { side: ExampleRow["a"] }) {
  if (side.error !== null) return <span class="err" title={side.error}>error</span>;
  return <>{fmtScore(side.score)}</>;
}

function Row({ row, to }: { row: ExampleRow; to: string }) {
  const diff = row.a.score !== null && row.b.score !== null ? row.b.score - row.a.score : null;
  return (
    <tr data-example={row.exampleId} class={diff === null ? "" : diff > 0 ? "up" : diff < 0 ? "down" : ""}>
      <td class="num muted">{row.index}</td>
      <td>
        <a href={to}>{row.exampleId}</a>
      </td>
      <td class="preview">{row.preview}</td>
      <td class="num">
        <SideScore side={row.a} />
      </td>
      <td class="num">
        <SideScore side={row.b} />
      </td>
      <td class="num">{diff === null ? "–" : fmtSigned(diff)}</td>
    </tr>
  );
}

function Stats({ stats, a, b }: { stats: PairedStats | null; a: string; b: string }) {
  if (!stats) return <p class="muted">No example scored by both candidates.</p>;
  return (
    <div class="tiles" data-testid="paired-stats">
      <div class="tile">
        <div class="tile-value">{fmtScore(stats.meanA)}</div>
        <div class="tile-label">A: {a}</div>
      </div>
      <div class="tile">
        <div class="tile-value">{fmtScore(stats.meanB)}</div>
        <div class="tile-label">B: {b}</div>
      </div>
      <PairedTiles stats={stats} />
    </div>
  );
}

function Pager({ page, pageSize, total, go }: { page: number; pageSize: number; total: number; go: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
  if (pages <= 1) return null;
  return (
    <div class="controls pager" data-testid="pager">
      <button disabled={page <= 1} onClick={() => go(page - 1)}>
        ← previous
      </button>
      <span>
        page {page} of {pages}
      </span>
      <button disabled={page >= pages} onClick={() => go(page + 1)}>
        next →
      </button>
    </div>
  );
}
