import { readFileSync } from "node:fs";
import path from "node:path";
import { API_VERSION, type ExampleRow, type ExamplesResponse, type ReportData } from "./api-types.js";
import { getCandidates } from "./api/candidates.js";
import { getExample } from "./api/example.js";
import { getExamples } from "./api/examples.js";
import { findCandidate, findRun, defaultPair } from "./api/lookup.js";
import { getRun } from "./api/run.js";
import { listRuns } from "./api/runs.js";
import { examplePath, reportKey, runPath } from "./report-key.js";
import { UI_DIR } from "./static-files.js";
import type { ViewStore } from "./view-store.js";
import { UserError } from "../util/errors.js";
import { displayPath } from "../util/display-path.js";

export const DEFAULT_REPORT_EXAMPLES = 500;

export interface ReportOptions {
  /** The candidate compared with the baseline (default: the run's best). */
  candidate?: string;
  /** Most examples inlined (default 500): errors and changed examples first, then the rest in dataset order. */
  maxExamples?: number;
  now?: number;
}

/**
 * The data of a report: the responses the UI asks for when it shows one run — the runs list (this
 * run), the run, its candidates, its examples (once, every inlined row under pageSize=all) and each
 * inlined example — made by the same handlers the server answers with.
 */
export function buildReportData(store: ViewStore, ref: string, options: ReportOptions = {}): ReportData {
  const run = findRun(store, ref);
  const max = options.maxExamples ?? DEFAULT_REPORT_EXAMPLES;
  const pair = defaultPair(store, run);
  const b = options.candidate ? findCandidate(store, run, options.candidate) : undefined;
  // Parameters at their defaults are left out of the keys (and of the requests made here).
  const pairParams: Record<string, string | undefined> = { b: b && b !== pair?.b ? b : undefined };
  const responses: Record<string, unknown> = {};
  const runs = listRuns(store);
  responses["/api/runs"] = { ...runs, runs: runs.runs.filter((r) => r.id === run.id) };
  responses[runPath(run.id)] = getRun(store, run.id, options.now);
  responses[`${runPath(run.id)}/candidates`] = getCandidates(store, run.id);
  const examples = getExamples(store, run.id, new URLSearchParams({ ...definedOnly(pairParams), pageSize: "all" }));
  const kept = capRows(examples.rows, max);
  const inlined: ExamplesResponse = { ...examples, rows: kept, total: kept.length, pageSize: kept.length, omittedExamples: examples.total - kept.length, totalExamples: examples.total };
  responses[reportKey(`${runPath(run.id)}/examples`, { ...pairParams, pageSize: "all" })] = inlined;
  for (const row of kept) {
    responses[reportKey(examplePath(run.id, row.exampleId), pairParams)] = getExample(store, run.id, row.exampleId, new URLSearchParams(definedOnly(pairParams)));
  }
  return {
    apiVersion: API_VERSION,
    generatedAt: options.now ?? Date.now(),
    run: run.id,
    ...(b ? { candidate: b } : {}),
    responses,
    omittedExamples: examples.total - kept.length,
    totalExamples: examples.total,
  };
}

function definedOnly(params: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** At most `max` rows: errors first, then regressions, improvements and failures, then the rest; shown in dataset order. */
export function capRows(rows: readonly ExampleRow[], max: number): ExampleRow[] {
  if (rows.length <= max) return [...rows];
  const rank = (r: ExampleRow): number => {
    if (r.a.error !== null || r.b.error !== null) return 0;
    if (r.a.score !== null && r.b.score !== null && r.b.score < r.a.score) return 1;
    if (r.a.score !== null && r.b.score !== null && r.b.score > r.a.score) return 2;
    if (r.b.score === null || r.b.score < 1) return 3;
    return 4;
  };
  return [...rows]
    .map((r) => ({ r, k: rank(r) }))
    .sort((x, y) => x.k - y.k || x.r.index - y.r.index)
    .slice(0, max)
    .map((x) => x.r)
    .sort((x, y) => x.index - y.index);
}

/** The report's JSON inside its script element: every "<" written as \u003c, so no text in it can end the element. */
export function reportJson(data: ReportData): string {
  return JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The report's policy: nothing is loaded from anywhere (no network, no file), the inlined script and
 * style alone run. The UI answers its requests from the inlined data.
 */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/**
 * One self-contained HTML file: the UI bundle's index.html with its app.js and app.css inlined and
 * the report data in `<script type="application/json" id="dspx-report">`.
 */
export function reportHtml(data: ReportData, uiDir = UI_DIR): string {
  const read = (name: string) => {
    try {
      return readFileSync(path.join(uiDir, name), "utf8");
    } catch {
      throw new UserError({
        message: `the viewer's UI bundle has no ${name}, so a report cannot be written (it is built into dist/ui/ by \`npm run build\`)`,
        pos: { file: displayPath(path.join(uiDir, name)) },
      });
    }
  };
  const index = read("index.html");
  const js = read("app.js").replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
  const css = read("app.css").replace(/<\/(style)/gi, "<\\/$1");
  const script = /<script\b([^>]*?)\ssrc=["']?(?:\.\/|\/)?app\.js["']?([^>]*)><\/script>/i;
  const style = /<link\b[^>]*?href=["']?(?:\.\/|\/)?app\.css["']?[^>]*>/i;
  if (!script.test(index) || !style.test(index)) {
    throw new UserError({ message: "the UI bundle's index.html does not load app.js and app.css, so they cannot be inlined", pos: { file: displayPath(path.join(uiDir, "index.html")) } });
  }
  const csp = `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`;
  let type = "";
  // The page is edited first, with markers where the inlined parts go, so nothing of the inlined
  // code or data is ever matched by these patterns.
  const shell = index
    .replace(script, (_m, before: string, after: string) => {
      type = /type=["']?module/i.test(before + after) ? ' type="module"' : "";
      return "\u0000JS\u0000";
    })
    .replace(style, "\u0000CSS\u0000")
    // Nothing else of the bundle may load from a file beside it: the report travels alone.
    .replace(/<link\b[^>]*rel=["']?(?:icon|preload|modulepreload|stylesheet)[^>]*>/gi, "")
    .replace(/<meta\b[^>]*http-equiv=["']?content-security-policy[^>]*>/gi, "")
    .replace(/<head>/i, `<head>\n${csp}`);
  const parts: Record<string, string> = {
    CSS: `<style>${css}</style>`,
    JS: `<script type="application/json" id="dspx-report">${reportJson(data)}</script>\n<script${type}>${js}</script>`,
  };
  return shell.split("\u0000").map((part, i) => (i % 2 === 1 ? parts[part]! : part)).join("");
}
