import type { CompareRunView, CompareSideView, PairedStats } from "../../../src/view/api-types.js";
import { fmtP, fmtScore } from "../format.js";
import { PairedTiles } from "./PairedTiles.js";
import { href } from "../route.js";

/**
 * A compare run's two sides and what the comparison found: B − A with its paired-bootstrap 95% CI,
 * wins, losses and ties with the sign test (and the exact test for 0/1 metrics). A finished run
 * shows what it recorded; a running one the statistics over what both sides have scored so far.
 */
export function Comparison({ runId, compare, running }: { runId: string; compare: CompareRunView; running: boolean }) {
  const stats: PairedStats | null = compare.summary ?? compare.stats;
  return (
    <div data-testid="comparison">
      <div class="tiles">
        <Side name="A" side={compare.a} />
        <Side name="B" side={compare.b} />
      </div>
      {!stats ? (
        <p class="muted" data-testid="comparison-pending">
          {running ? "Scoring: no example has been scored by both sides yet." : "No example was scored by both sides."}
        </p>
      ) : (
        <div class="tiles" data-testid="comparison-stats">
          <PairedTiles stats={stats} verdict testIds />
          {compare.summary?.exact && (
            <div class="tile">
              <div class="tile-value">
                {compare.summary.exact.bOnly} / {compare.summary.exact.aOnly}
              </div>
              <div class="tile-label">only B / only A right; exact test p = {fmtP(compare.summary.exact.pValue)}</div>
            </div>
          )}
        </div>
      )}
      <p class="muted small">
        {compare.summary
          ? `As recorded when the comparison finished (paired bootstrap, ${compare.summary.resamples} resamples, seed ${compare.summary.seed})${compare.summary.sameModels ? "" : "; A and B ran on different models"}.`
          : `Over the examples both sides have scored so far, on ${compare.dataset}.`}{" "}
        <a href={href({ view: "examples", run: runId, query: {} })} data-testid="compare-examples-link">
          Examples, A vs B →
        </a>
      </p>
    </div>
  );
}

function Side({ name, side }: { name: "A" | "B"; side: CompareSideView }) {
  return (
    <div class="tile" data-testid={`side-${name.toLowerCase()}`}>
      <div class="tile-value">{fmtScore(side.mean)}</div>
      <div class="tile-label">
        <b>{name}</b>: {side.run ? <a href={href({ view: "run", run: side.run })}>{side.label}</a> : side.label}
        <br />
        <span class="muted small">
          {side.program.name} ({side.program.file}) · {side.models.join(", ") || "models unknown"} · {side.n} scored
        </span>
      </div>
    </div>
  );
}
