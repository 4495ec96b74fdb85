import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ExampleResponse, ExamplesResponse, ReportData } from "../../src/view/api-types.js";
import { handleApi } from "../../src/view/api/router.js";
import { buildReportData, reportHtml } from "../../src/view/report.js";
import { reportKey } from "../../src/view/report-key.js";
import { UserError } from "../../src/util/errors.js";
import { once } from "../support/once.js";
import { HOSTILE, makeFixture } from "./fixture.js";

const fixture = once(makeFixture);
afterAll(async () => (await fixture()).view.close());

/** A UI bundle as the ui build writes it; its code holds the strings that end a script or a comment early. */
function bundle(index = '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="script-src \'self\'"><link rel="icon" href="data:,"><link rel="stylesheet" href="app.css"></head><body><div id="app"></div><script src="app.js" defer></script></body></html>'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-report-ui-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "index.html"), index);
  writeFileSync(path.join(dir, "app.js"), 'window.__ui = "</script><!-- $& $1"; // <link rel=stylesheet href=x>');
  writeFileSync(path.join(dir, "app.css"), 'body::after { content: "</style>" }');
  return dir;
}

/** The report's parts: the inlined data, and each script element's text. */
function parse(html: string): { data: ReportData; scripts: { attrs: string; text: string }[] } {
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1]!, text: m[2]! }));
  const data = scripts.find((s) => /id="dspx-report"/.test(s.attrs))!;
  return { data: JSON.parse(data.text) as ReportData, scripts };
}

const api = async (url: string) => {
  const u = new URL(url, "http://viewer.invalid");
  return JSON.parse(JSON.stringify(handleApi((await fixture()).view, "GET", u.pathname, u.searchParams).body)) as unknown;
};

describe("dspx report", () => {
  it("inlines the run, its candidates, its examples and each example's view, as the API answers them", async () => {
    const f = await fixture();
    const data = buildReportData(f.view, f.gepaRun.slice(0, 6), { now: 1 });
    const html = reportHtml(data, bundle());
    const parsed = parse(html);
    expect(parsed.data.run).toBe(f.gepaRun);
    const r = parsed.data.responses;
    expect(r[`/api/runs/${f.gepaRun}`]).toEqual(await api(`/api/runs/${f.gepaRun}`).then((b) => ({ ...(b as object), run: { ...(b as { run: object }).run, durationMs: expect.any(Number) } })));
    expect(r[`/api/runs/${f.gepaRun}/candidates`]).toEqual(await api(`/api/runs/${f.gepaRun}/candidates`));
    const examples = r[reportKey(`/api/runs/${f.gepaRun}/examples`, { pageSize: "all" })] as ExamplesResponse;
    const full = (await api(`/api/runs/${f.gepaRun}/examples?pageSize=all`)) as ExamplesResponse;
    expect(examples.rows).toEqual(full.rows);
    expect(examples.stats).toEqual(full.stats);
    expect(parsed.data).toMatchObject({ omittedExamples: 0, totalExamples: full.total });
    for (const row of full.rows) {
      const key = `/api/runs/${f.gepaRun}/examples/${encodeURIComponent(row.exampleId)}`;
      expect(r[key]).toEqual(await api(key));
    }
    expect((r["/api/runs"] as { runs: { id: string }[] }).runs.map((x) => x.id)).toEqual([f.gepaRun]);
  });

  it("is one file that loads nothing: no src or href to anything but data:, the bundle's own CSP dropped for one that allows no fetch", async () => {
    const f = await fixture();
    const html = reportHtml(buildReportData(f.view, f.gepaRun), bundle());
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
    // The only ones left are inside the inlined code and data, as text: none is an attribute of an element.
    const tags = [...html.replace(/<script[^>]*>[\s\S]*?<\/script>/gi, "").replace(/<style>[\s\S]*?<\/style>/gi, "").matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
    expect(tags.filter((t) => /\b(src|href)=/i.test(t))).toEqual([]);
    expect(refs.filter((x) => /^(https?:)?\/\//i.test(x))).toEqual([]);
    expect(tags.filter((t) => /^<link\b/i.test(t))).toEqual([]);
    const csp = [...html.matchAll(/http-equiv="Content-Security-Policy" content="([^"]*)"/g)].map((m) => m[1]);
    expect(csp).toEqual(["default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"]);
  });

  it("keeps hostile text as data inside the JSON element, and the bundle's code intact, with nothing ending an element early", async () => {
    const f = await fixture();
    const html = reportHtml(buildReportData(f.view, f.hostileRun), bundle());
    // Exactly the two script elements the report writes: the data, then the UI's code.
    const { data, scripts } = parse(html);
    expect(scripts.map((s) => s.attrs)).toEqual([' type="application/json" id="dspx-report"', ""]);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<\/style/gi)).toHaveLength(1);
    expect(scripts[0]!.text).not.toContain("<");
    const one = data.responses[`/api/runs/${f.hostileRun}/examples/${encodeURIComponent(HOSTILE)}`] as ExampleResponse;
    expect(one.a!.steps[0]!.calls[0]!.completion).toBe(`[[ ## team ## ]]\n${HOSTILE}`);
    expect(one.a!.feedback).toBe(HOSTILE);
    // The UI's code still says what it said: run it and read the string back.
    const win: Record<string, unknown> = {};
    new Function("window", scripts[1]!.text)(win);
    expect(win.__ui).toBe("</script><!-- $& $1");
  });

  it("caps the examples at --max-examples, errors and changed examples first, and says how many were left out", async () => {
    const f = await fixture();
    const full = (await api(`/api/runs/${f.gepaRun}/examples?pageSize=all`)) as ExamplesResponse;
    const flips = full.rows.filter((r) => r.a.score !== r.b.score);
    const max = Math.min(10, flips.length);
    const data = buildReportData(f.view, f.gepaRun, { maxExamples: max });
    expect(data).toMatchObject({ omittedExamples: full.total - max, totalExamples: full.total });
    const examples = data.responses[reportKey(`/api/runs/${f.gepaRun}/examples`, { pageSize: "all" })] as ExamplesResponse;
    expect(examples.rows).toHaveLength(max);
    for (const row of examples.rows) expect(row.a.score).not.toBe(row.b.score);
    expect(examples).toMatchObject({ omittedExamples: full.total - max, totalExamples: full.total, stats: full.stats });
    const views = Object.keys(data.responses).filter((k) => /\/examples\/[^/]+$/.test(k));
    expect(views).toHaveLength(max);
  });

  it("reports run:candidate against the baseline, keyed with b", async () => {
    const f = await fixture();
    const candidates = f.view.runs.candidates(f.gepaRun);
    const other = candidates.find((c) => c.hash !== f.view.runs.get(f.gepaRun)!.bestCandidate && c.seq > 0)!;
    const data = buildReportData(f.view, f.gepaRun, { candidate: other.hash.slice(0, 8) });
    const examples = data.responses[reportKey(`/api/runs/${f.gepaRun}/examples`, { b: other.hash, pageSize: "all" })] as ExamplesResponse;
    expect(examples.b).toBe(other.hash);
    expect(data.candidate).toBe(other.hash);
  });

  it("refuses to write without the UI bundle, naming the file", async () => {
    const f = await fixture();
    const data = buildReportData(f.view, f.hostileRun);
    expect(() => reportHtml(data, path.join(os.tmpdir(), "no-such-ui-bundle"))).toThrow(UserError);
    expect(() => reportHtml(data, path.join(os.tmpdir(), "no-such-ui-bundle"))).toThrow(/UI bundle has no index\.html/);
    expect(() => reportHtml(data, bundle("<html><head></head><body></body></html>"))).toThrow(/does not load app\.js and app\.css/);
  });
});
