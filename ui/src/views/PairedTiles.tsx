import type { PairedStats } from "../../../src/view/api-types.js";
import { fmtP, fmtSigned } from "../format.js";

/**
 * The paired statistics of B against A as two tiles: B − A with its 95% CI (and, with `verdict`,
 * whether the CI leaves zero out), and B's wins / losses / ties with the sign test. Shared by a
 * compare run's page and the examples page's A-vs-B view. `testIds`: the compare page's test hooks.
 */
export function PairedTiles({ stats, verdict = false, testIds = false }: { stats: PairedStats; verdict?: boolean; testIds?: boolean }) {
  const [lo, hi] = stats.ci95;
  const id = (name: string) => (testIds ? name : undefined);
  const says = lo > 0 ? "B is better" : hi < 0 ? "B is worse" : "no clear difference";
  return (
    <>
      <div class="tile">
        <div class="tile-value" data-testid={id("comparison-diff")}>
          {fmtSigned(stats.meanDiff)}
        </div>
        <div class="tile-label" data-testid={id("comparison-ci")}>
          B − A, 95% CI {fmtSigned(lo)} to {fmtSigned(hi)}
          {verdict ? ` · ${says}` : ""}
        </div>
      </div>
      <div class="tile">
        <div class="tile-value">
          {stats.wins} / {stats.losses} / {stats.ties}
        </div>
        <div class="tile-label" data-testid={id("comparison-sign")}>
          B wins / losses / ties of {stats.n}; sign test p = {fmtP(stats.signTestP)}
        </div>
      </div>
    </>
  );
}
