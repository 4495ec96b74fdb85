import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CandidatesResponse, ExamplesResponse, RunResponse, RunsResponse } from "../../src/view/api-types.js";
import { runCli, startCli } from "../support/cli.js";
import { startMockProvider, defaultResponder, type MockProvider } from "../support/mock-provider.js";
import { collectPageErrors, launchChromium, screenshot, type Browser } from "./support/chromium.js";
import { HOSTILE, hostileResponder, makeFixtureRuns, PROGRAM, type FixtureRuns } from "./support/fixture-db.js";
import { at, startView, type ViewServer } from "./support/view-server.js";

// The viewer end to end: real runs in a database, `dspx view` serving it, the bundled UI in the
// system's headless Chromium.

let mock: MockProvider;
let fixture: FixtureRuns;
let view: ViewServer;
let browser: Browser;

/** Waits for the page, not a timing (a loaded 2-core machine; the live run is polled every 1.5 s). */
const WAIT = { timeout: 45_000, interval: 100 };

/** What a test sets on, or a hostile script would set on, the page's global object. */
type Marked = { __pwned?: number; __samePage?: number };

beforeAll(async () => {
  mock = await startMockProvider({ respond: hostileResponder });
  fixture = await makeFixtureRuns(mock.openaiBaseUrl);
  view = await startView(fixture.db);
  browser = await launchChromium();
}, 240_000);

afterEach(async () => {
  for (const page of browser?.context.pages() ?? []) await page.close();
});

afterAll(async () => {
  await browser?.close();
  await view?.stop();
  await mock?.close();
});

async function open(route: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.page();
  const errors = collectPageErrors(page);
  await page.goto(at(view.url, route));
  return { page, errors };
}

/** A canvas as the page sees it (the test files compile without the DOM's types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/** How many pixels of the canvas `selector` finds are not blank. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((el) => {
    const canvas = el as unknown as CanvasLike;
    if (canvas.width === 0 || canvas.height === 0) return 0;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  });
}

describe("dspx view in a browser", () => {
  it("lists the database's runs", async () => {
    const { page, errors } = await open("#/");
    const table = page.getByTestId("runs-table");
    await table.locator(`[data-run="${fixture.optimizeRun}"]`).waitFor();
    await table.locator(`[data-run="${fixture.evalRun}"]`).waitFor();
    const { runs } = await view.api<RunsResponse>("/api/runs");
    expect(await table.locator("tbody tr").count()).toBe(runs.length);
    expect(await table.locator(`[data-run="${fixture.optimizeRun}"]`).innerText()).toContain("gepa");
    // Filtering by kind leaves only the eval run.
    await page.getByTestId("runs-kind").selectOption("eval");
    await expect.poll(() => table.locator("tbody tr").count(), WAIT).toBe(runs.filter((r) => r.kind === "eval").length);
    expect(await table.locator(`[data-run="${fixture.evalRun}"]`).count()).toBe(1);
    // And by kind compare, the compare run.
    await page.getByTestId("runs-kind").selectOption("compare");
    await expect.poll(() => table.locator("tbody tr").count(), WAIT).toBe(1);
    expect(await table.locator(`[data-run="${fixture.compareRun}"]`).innerText()).toContain("compare");
    await page.getByTestId("runs-kind").selectOption("");
    await screenshot(page, "runs");
    expect(errors).toEqual([]);
  });

  it("draws a run's score chart, its lineage graph and a candidate's instruction diff", async () => {
    const { candidates } = await view.api<CandidatesResponse>(`/api/runs/${fixture.optimizeRun}/candidates`);
    const child = candidates.find((c) => c.parents.length > 0 && c.steps.some((s) => s.instruction !== candidates.find((p) => p.hash === c.parents[0])?.steps.find((ps) => ps.step === s.step)?.instruction));
    expect(child, "the fixture run has a candidate whose instruction differs from its parent's").toBeDefined();
    const { page, errors } = await open(`#/runs/${fixture.optimizeRun}?c=${child!.hash}`);
    await page.getByTestId("lineage-node").first().waitFor();
    expect(await page.getByTestId("lineage-node").count()).toBe(candidates.length);
    await page.locator("[data-testid=score-chart] canvas").first().waitFor();
    await expect.poll(() => paintedPixels(page, "[data-testid=score-chart] canvas"), WAIT).toBeGreaterThan(100);
    const run = await view.api<RunResponse>(`/api/runs/${fixture.optimizeRun}`);
    expect(await page.getByTestId("score-chart").getAttribute("data-points")).toBe(String(run.scores.length));
    const diff = page.getByTestId("diff").first();
    await diff.waitFor();
    expect(await diff.getAttribute("data-changed")).toBe("yes");
    expect(await diff.locator("ins, del").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("candidate-detail").getAttribute("data-candidate")).toBe(child!.hash);
    await screenshot(page, "run-page", true);
    await screenshot(page, "readme-run");
    // Clicking the chart selects the candidate nearest the pointer: the last scored at the right
    // edge, the first at the left (uPlot's x range is exactly the first to the last point).
    await page.locator("[data-testid=score-chart] .u-over").scrollIntoViewIfNeeded();
    const over = (await page.locator("[data-testid=score-chart] .u-over").boundingBox())!;
    const detail = page.getByTestId("candidate-detail");
    for (const [x, point] of [[over.x + over.width - 1, run.scores.at(-1)!], [over.x + 1, run.scores[0]!]] as const) {
      await page.mouse.move(x, over.y + over.height / 2);
      await page.mouse.click(x, over.y + over.height / 2);
      await expect.poll(() => detail.getAttribute("data-candidate"), WAIT).toBe(point.candidate);
      expect(page.url()).toContain(`c=${point.candidate}`);
    }
    // So does clicking a node of the lineage graph; the diff then is that candidate's against its parent.
    await page.locator(`[data-testid=lineage-node][data-candidate="${child!.hash}"]`).click();
    await expect.poll(() => detail.getAttribute("data-candidate"), WAIT).toBe(child!.hash);
    expect(await page.getByTestId("diff").first().getAttribute("data-changed")).toBe("yes");
    expect(errors).toEqual([]);
  });

  it("filters the examples to flips, as the API counts them", async () => {
    const base = `/api/runs/${fixture.optimizeRun}/examples`;
    const flips = await view.api<ExamplesResponse>(`${base}?filter=flips`);
    const all = await view.api<ExamplesResponse>(base);
    expect(flips.total).toBeGreaterThan(0);
    expect(flips.total).toBeLessThan(all.total);
    const { page, errors } = await open(`#/runs/${fixture.optimizeRun}/examples`);
    const total = page.getByTestId("examples-total");
    await expect.poll(() => total.getAttribute("data-total"), WAIT).toBe(String(all.total));
    await page.getByTestId("paired-stats").waitFor();
    await page.locator("[data-filter=flips]").click();
    await expect.poll(() => total.getAttribute("data-total"), WAIT).toBe(String(flips.total));
    const shown = await page.locator("[data-testid=examples-table] tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-example")));
    expect(shown).toEqual(flips.rows.map((r) => r.exampleId));
    expect(page.url()).toContain("filter=flips");
    await screenshot(page, "examples-flips", true);
    await screenshot(page, "readme-examples");
    expect(errors).toEqual([]);
  });

  it("opens a compare run: its two sides, B − A with its 95% CI and the sign test, and the examples of A vs B", async () => {
    const run = await view.api<RunResponse>(`/api/runs/${fixture.compareRun}`);
    const summary = run.compare!.summary!;
    expect(run.run.kind).toBe("compare");
    const { page, errors } = await open(`#/runs/${fixture.compareRun}`);
    await page.getByTestId("comparison").waitFor();
    expect(await page.getByTestId("side-a").innerText()).toContain(run.compare!.a.label);
    expect(await page.getByTestId("side-b").innerText()).toContain(run.compare!.b.label);
    const signed = (x: number) => (x > 0 ? "+" : "") + x.toFixed(3);
    expect(await page.getByTestId("comparison-diff").innerText()).toBe(signed(summary.meanDiff));
    expect(await page.getByTestId("comparison-ci").innerText()).toContain(`95% CI ${signed(summary.ci95[0])} to ${signed(summary.ci95[1])}`);
    expect(await page.getByTestId("comparison-sign").innerText()).toContain(`of ${summary.n}; sign test p =`);
    // No optimize-only sections.
    expect(await page.getByTestId("lineage-section").count()).toBe(0);
    expect(await page.getByTestId("final-scores").count()).toBe(0);
    await screenshot(page, "compare-run", true);
    // The examples view opens on A vs B, with the same paired statistics.
    await page.getByTestId("compare-examples-link").click();
    const examples = await view.api<ExamplesResponse>(`/api/runs/${fixture.compareRun}/examples`);
    expect([examples.a, examples.b]).toEqual([run.compare!.a.candidate, run.compare!.b.candidate]);
    await expect.poll(() => page.getByTestId("examples-total").getAttribute("data-total"), WAIT).toBe(String(examples.total));
    expect(await page.getByTestId("pick-a").inputValue()).toBe(run.compare!.a.candidate);
    expect(await page.getByTestId("pick-b").inputValue()).toBe(run.compare!.b.candidate);
    expect(await page.getByTestId("paired-stats").innerText()).toContain(signed(summary.meanDiff));
    await screenshot(page, "compare-examples", true);
    expect(errors).toEqual([]);
  });

  it("shows an example's messages and completion, hostile text literally, running none of it", async () => {
    const list = await view.api<ExamplesResponse>(`/api/runs/${fixture.evalRun}/examples`);
    const example = list.rows[0]!.exampleId;
    const { page, errors } = await open(`#/runs/${fixture.evalRun}/examples/${encodeURIComponent(example)}`);
    const completion = page.getByTestId("completion").first();
    await completion.waitFor();
    expect(await completion.innerText()).toContain(HOSTILE);
    const messages = page.getByTestId("messages").first();
    expect(await messages.locator(".message").count()).toBeGreaterThanOrEqual(2);
    expect(await messages.innerText()).toContain("[[ ## message ## ]]");
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Marked).__pwned)).toBeUndefined();
    await screenshot(page, "example", true);
    expect(errors).toEqual([]);
  });

  it("follows a run in progress in another process without a reload", async () => {
    // A slow provider (40 ms a reply, two examples at a time) keeps the run going for many polls.
    const slow = await startMockProvider({ respond: defaultResponder, latencyMs: 40 });
    const run = startCli(
      ["optimize", PROGRAM, "--optimizer", "gepa", "--seed", "3", "--budget-calls", "800", "--concurrency", "2", "--lm", "openai:gpt-4.1-mini", "--base-url", slow.openaiBaseUrl, "--name", "live-fixture"],
      { env: { DSPX_DB: fixture.db, OPENAI_API_KEY: "sk-test" } },
    );
    try {
      const liveId = await vi.waitFor(
        async () => {
          if (run.child.exitCode !== null) throw new Error(`the live run ended first: ${run.stderr().slice(-1000)}`);
          const id = (await view.api<RunsResponse>("/api/runs")).runs.find((r) => r.name === "live-fixture" && r.live)?.id;
          if (!id) throw new Error("not listed as live yet");
          return id;
        },
        { timeout: 60_000, interval: 200 },
      );
      const { page, errors } = await open(`#/runs/${liveId}`);
      const runPage = page.getByTestId("run-page");
      await runPage.waitFor();
      await page.getByTestId("live-badge").first().waitFor();
      const progress = page.getByTestId("progress");
      const first = await progress.innerText();
      await page.evaluate(() => ((globalThis as Marked).__samePage = 1));
      await expect.poll(() => progress.innerText(), WAIT).not.toBe(first);
      await expect.poll(async () => Number(await runPage.getAttribute("data-updates")), WAIT).toBeGreaterThan(0);
      // New candidates appear as the run finds them.
      await expect.poll(async () => Number(await runPage.getAttribute("data-candidates")), WAIT).toBeGreaterThan(1);
      expect(await page.evaluate(() => (globalThis as Marked).__samePage)).toBe(1);
      await screenshot(page, "run-live");
      expect(errors).toEqual([]);
    } finally {
      run.child.kill("SIGKILL");
      await run.closed;
      await slow.close();
    }
  });

  it("opens `dspx report` from file:// and makes no network request", async () => {
    const out = path.join(fixture.dir, "report.html");
    const r = await runCli(["report", fixture.optimizeRun, "-o", out], { env: { DSPX_DB: fixture.db } });
    expect(r.code, r.stderr).toBe(0);
    const page = await browser.page();
    const errors = collectPageErrors(page);
    const requests: string[] = [];
    const file = pathToFileURL(out).href;
    // Anything but the file itself counts, file: URLs too (a fetch of /api/ from file:// is one);
    // data: URLs (the page's empty favicon) are not requests of anything.
    page.on("request", (req) => {
      if (req.url().split("#")[0] !== file && !req.url().startsWith("data:")) requests.push(req.url());
    });
    await page.goto(file);
    await page.getByTestId("lineage-node").first().waitFor();
    await expect.poll(() => paintedPixels(page, "[data-testid=score-chart] canvas"), WAIT).toBeGreaterThan(100);
    // The examples view filters the inlined rows in the page, as the server would.
    const flips = await view.api<ExamplesResponse>(`/api/runs/${fixture.optimizeRun}/examples?filter=flips`);
    await page.getByTestId("examples-link").click();
    await page.locator("[data-filter=flips]").click();
    await expect.poll(() => page.getByTestId("examples-total").getAttribute("data-total"), WAIT).toBe(String(flips.total));
    await page.locator("[data-testid=examples-table] tbody tr a").first().click();
    await page.getByTestId("example-page").waitFor();
    await screenshot(page, "report-example", true);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
