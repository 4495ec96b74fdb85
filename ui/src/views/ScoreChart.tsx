import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { ScorePoint } from "../../../src/view/api-types.js";
import { shortHash } from "../format.js";

interface Props {
  scores: ScorePoint[];
  baseline: number | null;
  onSelect: (candidate: string) => void;
}

/**
 * Every scored candidate as a point on dev (in the order they were scored), the best-so-far line and
 * the baseline. Clicking near a point selects that candidate. uPlot draws on a canvas; its labels
 * are the fixed names below, never data.
 */
export function ScoreChart({ scores, baseline, onSelect }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const select = useRef(onSelect);
  select.current = onSelect;
  useEffect(() => {
    const el = holder.current;
    if (!el || scores.length === 0) return;
    const xs = scores.map((_, i) => i + 1);
    const data: uPlot.AlignedData = [xs, scores.map((s) => s.score), scores.map((s) => s.best), xs.map(() => baseline)];
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const chart = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 260,
        scales: { x: { time: false } },
        legend: { show: true, live: false },
        cursor: { points: { size: 9 } },
        axes: [
          { label: "candidate (order scored)", values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : "")) },
          { label: "dev score" },
        ],
        series: [
          { label: "#" },
          { label: "candidate", stroke: "#3b6fd4", paths: () => null, points: { show: true, size: 7, fill: "#3b6fd4" } },
          { label: "best so far", stroke: "#1a9b55", width: 2, ...(stepped ? { paths: stepped } : {}), points: { show: false } },
          { label: "baseline", stroke: "#999", dash: [6, 4], points: { show: false } },
        ],
      },
      data,
      el,
    );
    // A press and release in place selects the point under the cursor. Not "click": Chromium sends
    // none on uPlot's overlay (its mousedown handler starts a drag selection), and a drag is a zoom.
    let down: { x: number; y: number } | undefined;
    const onDown = (e: MouseEvent) => void (down = { x: e.clientX, y: e.clientY });
    const onUp = (e: MouseEvent) => {
      const still = down !== undefined && Math.abs(e.clientX - down.x) < 4 && Math.abs(e.clientY - down.y) < 4;
      down = undefined;
      const idx = chart.cursor.idx;
      const point = !still || idx === null || idx === undefined ? undefined : scores[idx];
      if (point) select.current(point.candidate);
    };
    chart.over.addEventListener("mousedown", onDown);
    chart.over.addEventListener("mouseup", onUp);
    return () => {
      chart.over.removeEventListener("mousedown", onDown);
      chart.over.removeEventListener("mouseup", onUp);
      chart.destroy();
    };
  }, [scores, baseline]);
  if (scores.length === 0) return <p class="muted">No candidate scored on dev yet.</p>;
  const last = scores[scores.length - 1]!;
  return (
    <div>
      <div ref={holder} class="chart" data-testid="score-chart" data-points={scores.length} />
      <p class="muted small">
        {scores.length} candidates scored; best {last.best.toFixed(3)} (last scored {shortHash(last.candidate)}).
      </p>
    </div>
  );
}
