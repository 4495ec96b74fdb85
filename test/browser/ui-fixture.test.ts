import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collectPageErrors, launchChromium, screenshot, type Browser } from "./support/chromium.js";
import { HOSTILE, startFixtureApi, type FixtureApi } from "./support/fixture-api.js";

// The UI against a small fixture of the API's JSON (test/browser/support/fixture-api.ts): what it
// does with data the real server may not produce on demand (a version that changes on cue, hostile
// text in every field, a token). viewer.test.ts runs it against `dspx view` on real runs.

let browser: Browser;
let api: FixtureApi;

beforeAll(async () => {
  api = await startFixtureApi();
  browser = await launchChromium();
});
afterEach(async () => {
  for (const page of browser.context.pages()) await page.close();
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

/** Waits for the page, not a timing: the run is polled every 1.5 s, on a loaded machine. */
const WAIT = { timeout: 30_000, interval: 100 };

/** What a test sets on, or a hostile script would set on, the page's global object. */
type Marked = { __pwned?: number; __samePage?: number };

describe("the UI on a fixture API", () => {
  it("follows a live run without a reload when its version changes", async () => {
    const page = await browser.page();
    const errors = collectPageErrors(page);
    await page.goto(api.url + "#/runs/opt-1");
    const runPage = page.getByTestId("run-page");
    await expect.poll(() => runPage.getAttribute("data-candidates"), WAIT).toBe("9");
    await page.evaluate(() => ((globalThis as Marked).__samePage = 1));
    api.grow();
    api.grow();
    await expect.poll(() => runPage.getAttribute("data-candidates"), WAIT).toBe("11");
    await expect.poll(() => page.getByTestId("lineage-node").count(), WAIT).toBe(11);
    expect(await page.getByTestId("candidate-count").innerText()).toContain("11");
    expect(await page.getByTestId("score-chart").getAttribute("data-points")).toBe("11");
    expect(await page.evaluate(() => (globalThis as Marked).__samePage)).toBe(1);
    expect(errors).toEqual([]);
  });

  it("shows hostile text from data literally and runs none of it", async () => {
    const page = await browser.page();
    const errors = collectPageErrors(page);
    for (const route of ["#/runs/opt-1", "#/runs/opt-1/examples", "#/runs/opt-1/examples/ex-3"]) {
      await page.goto(api.url + route);
      await page.locator("main h1").first().waitFor();
      await page.waitForLoadState("networkidle");
    }
    const completion = page.getByTestId("completion").first();
    await completion.waitFor();
    expect(await completion.innerText()).toContain(HOSTILE);
    expect(await page.locator("main").innerText()).toContain("<img src=x onerror=window.__pwned=1>");
    // Nothing the data held became an element.
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Marked).__pwned)).toBeUndefined();
    await screenshot(page, "fixture-hostile-example", true);
    expect(errors).toEqual([]);
  });

  it("sends the page's token with every API request", async () => {
    const page = await browser.page();
    const before = api.requests.length;
    await page.goto(api.url + "?token=s3cret#/runs/opt-1");
    await page.getByTestId("lineage-node").first().waitFor();
    const apiRequests = api.requests.slice(before).filter((r) => r.path.startsWith("/api/"));
    expect(apiRequests.length).toBeGreaterThanOrEqual(2);
    expect(apiRequests.filter((r) => r.token !== "s3cret")).toEqual([]);
  });
});
