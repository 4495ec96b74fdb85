import { UserError } from "../../util/errors.js";
import { parseDuration } from "../../util/duration.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { formatInt, formatUsd, plural } from "../output.js";
import type { ClearFilter } from "../../store/cache-store.js";
import type { TableSpec } from "../table.js";
import { wrapParts } from "../wrap.js";

export interface CacheFlags {
  db?: string;
  json?: boolean;
  olderThan?: string;
  run?: string;
  failed?: boolean;
}

export async function cacheStatsCommand(flags: CacheFlags, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx, { write: false });
  const stats = await store.cache.stats();
  const { output } = ctx;
  if (output.json) {
    output.out(JSON.stringify({ db: store.file, ...stats }));
    return 0;
  }
  const c = output.color;
  const date = (ms?: number) => (ms === undefined ? "–" : new Date(ms).toISOString().replace("T", " ").slice(0, 16));
  output.out(`${c.bold("cache")}   ${store.file}${store.exists ? "" : c.dim(" (no database file yet)")}`);
  output.out(wrapParts(`${c.bold("entries")} `, [formatInt(stats.entries), `${formatInt(stats.hits)} hits`, `saved ${formatUsd(stats.savedUsd)} (the cached calls cost ${formatUsd(stats.storedCostUsd)})`], output.columns));
  if (stats.unreadable > 0) output.out(`${c.bold("failed")}  ${plural(stats.unreadable, "completion")} could not be read (\`dspx cache clear --failed\` removes them)`);
  output.out(`${c.bold("ages")}    oldest ${date(stats.oldest)} · newest ${date(stats.newest)}`);
  if (stats.byModel.length > 0) {
    output.out(output.table(modelsTable(stats.byModel)));
  }
  return 0;
}

/** The time `--older-than <duration>` names (ms since the epoch), or undefined when the flag is not given. */
export function olderThanCutoff(text: string | undefined, now = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, "s");
  if (ms === undefined || ms <= 0) throw new UserError({ flag: "--older-than", message: "expected a duration such as 30d, 12h or 90m" });
  return now - ms;
}

export async function cacheClearCommand(flags: CacheFlags, ctx: CommandContext): Promise<number> {
  const before = olderThanCutoff(flags.olderThan);
  // Clearing a database that is not there creates none.
  const store = openStore(flags, ctx, { create: false });
  const run = flags.run !== undefined ? store.runs.resolve(flags.run) : undefined;
  const filter: ClearFilter = { ...(before !== undefined ? { before } : {}), ...(run ? { runId: run.id } : {}), ...(flags.failed ? { unreadable: true } : {}) };
  const removed = await store.cache.clear(filter);
  if (ctx.output.json) {
    ctx.output.out(JSON.stringify({ db: store.file, removed, ...(run ? { run: run.id } : {}), ...(flags.failed ? { failed: true } : {}), ...(flags.olderThan ? { olderThan: flags.olderThan } : {}) }));
    return 0;
  }
  const which = [flags.failed ? "that could not be read" : "", run ? `used by run ${run.id}` : "", flags.olderThan ? `older than ${flags.olderThan}` : ""].filter((w) => w !== "");
  ctx.output.out(`removed ${plural(removed, "cached response")}${which.length > 0 ? ` ${which.join(", ")}` : ""}`);
  return 0;
}

/** Cache entries by model; narrowed, the hits go first, then the provider; a long model name is cut. */
export function modelsTable(byModel: readonly { provider: string; model: string; entries: number; hits: number }[]): TableSpec {
  return {
    columns: [
      { header: "provider", priority: 3 },
      { header: "model", priority: 1, truncate: true, min: 12 },
      { header: "entries", priority: 2, align: "right" },
      { header: "hits", priority: 4, align: "right" },
    ],
    rows: byModel.map((m) => [m.provider, m.model, formatInt(m.entries), formatInt(m.hits)]),
  };
}
