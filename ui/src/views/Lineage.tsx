import { useMemo } from "preact/hooks";
import type { CandidateSummary } from "../../../src/view/api-types.js";
import { fmtScore, shortHash } from "../format.js";
import { layeredLayout } from "../layout.js";

interface Props {
  candidates: CandidateSummary[];
  split: string;
  best: string | null;
  selected: string | null;
  onSelect: (hash: string) => void;
}

const ORIGIN_COLORS: Record<string, string> = {
  baseline: "#777",
  bootstrap: "#d48a1f",
  labeled: "#b8860b",
  reflection: "#3b6fd4",
  merge: "#9b3bd4",
  random: "#2a9d8f",
  mipro: "#d43b6f",
};

function colorOf(origin: string): string {
  return ORIGIN_COLORS[origin] ?? ORIGIN_COLORS[origin.split(/[:_-]/)[0] ?? ""] ?? "#555";
}

/** The candidates as a graph, generations left to right; merges have two parents. */
export function Lineage({ candidates, split, best, selected, onSelect }: Props) {
  const layout = useMemo(() => layeredLayout(candidates.map((c) => ({ id: c.hash, parents: c.parents }))), [candidates]);
  const byHash = useMemo(() => new Map(candidates.map((c) => [c.hash, c])), [candidates]);
  const origins = [...new Set(candidates.map((c) => c.origin))];
  const anyFrontier = candidates.some((c) => c.onFrontier);
  if (candidates.length === 0) return <p class="muted">No candidates yet.</p>;
  return (
    <div>
      <div class="legend">
        {origins.map((o) => (
          <span key={o} class="legend-item">
            <svg width="12" height="12" aria-hidden="true">
              <circle cx="6" cy="6" r="5" fill={colorOf(o)} />
            </svg>
            {o}
          </span>
        ))}
        {anyFrontier && <span class="legend-item frontier-key">◯ on the Pareto frontier</span>}
        <span class="legend-item">★ best</span>
      </div>
      <div class="scroll graph-scroll">
        <svg class="lineage" width={layout.width + 60} height={layout.height + 20} data-testid="lineage" role="img" aria-label="candidate lineage">
          {layout.edges.map((e) => {
            const from = layout.byId.get(e.from)!;
            const to = layout.byId.get(e.to)!;
            const mid = (from.x + to.x) / 2;
            const merge = (byHash.get(e.to)?.parents.length ?? 0) > 1;
            return (
              <path
                key={`${e.from}>${e.to}`}
                class={merge ? "edge merge" : "edge"}
                d={`M${from.x},${from.y} C${mid},${from.y} ${mid},${to.y} ${to.x},${to.y}`}
              />
            );
          })}
          {layout.nodes.map((n) => {
            const c = byHash.get(n.id)!;
            const score = c.scores[split]?.mean;
            const cls = ["node", c.onFrontier ? "frontier" : "", n.id === selected ? "selected" : "", n.id === best ? "best" : ""].join(" ");
            return (
              <g key={n.id} class={cls} transform={`translate(${n.x},${n.y})`} onClick={() => onSelect(n.id)} data-candidate={n.id} data-testid="lineage-node">
                <title>{`#${c.seq} ${shortHash(c.hash)} · ${c.origin} · ${split} ${fmtScore(score)}${c.onFrontier ? " · Pareto frontier" : ""}`}</title>
                {c.onFrontier && <circle r="15" class="ring" />}
                <circle r="11" fill={colorOf(c.origin)} />
                {n.id === best && (
                  <text class="star" y="4" text-anchor="middle">
                    ★
                  </text>
                )}
                <text class="label" y="27" text-anchor="middle">
                  {`${c.seq}`}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
