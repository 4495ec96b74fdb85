// Time to first render of the viewer's run page in headless Chromium (the system's, through
// playwright-core): from navigation start to the moment the page shows the lineage graph with every
// candidate and the drawn score chart, read from the page's own clock (performance.now()). On
// bench/view-db.js's database (50 runs, one of them an optimization with 200 candidates × 1,000 dev
// examples), beside a 10-candidate run and the runs list, with the server's share of the big page.
// BENCH_VIEW_CANDIDATES / BENCH_VIEW_EXAMPLES / BENCH_VIEW_ROUNDS change the sizes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { fmt, printTable } from "./lib.js";
import { ROOT } from "./support.js";
import { BIG_RUN, buildViewBenchDb } from "./view-db.js";

const CANDIDATES = Number(process.env.BENCH_VIEW_CANDIDATES ?? 200);
const EXAMPLES = Number(process.env.BENCH_VIEW_EXAMPLES ?? 1000);
const ROUNDS = Number(process.env.BENCH_VIEW_ROUNDS ?? 7);
const CHROMIUM = process.env.DSPX_CHROMIUM ?? "/usr/bin/chromium";
// As test/browser/support/chromium.ts starts it.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function startView(db) {
  const child = spawn(process.execPath, ["bin/dspx.js", "view", "--db", db, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const url = /https?:\/\/\S+/.exec(out)?.[0];
      if (url) resolve({ url, stop: () => new Promise((done) => (child.kill("SIGINT"), child.on("close", done))) });
    });
    child.on("close", (code) => reject(new Error(`dspx view exited ${code}`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);

/** ms from navigation start until `ready` holds in the page, on a fresh page each round. */
async function firstRender(context, url, ready, arg) {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(ready, arg, { polling: "raf", timeout: 120_000 });
    return await page.evaluate(() => performance.now());
  } finally {
    await page.close();
  }
}

export async function run() {
  if (!existsSync(CHROMIUM)) {
    console.log(`\n### Viewer: time to first render\n\nskipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DSPX_CHROMIUM)`);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-bench-view-"));
  const db = path.join(dir, "view.db");
  const built = performance.now();
  await buildViewBenchDb(db, { candidates: CANDIDATES, examples: EXAMPLES });
  const buildMs = performance.now() - built;
  const view = await startView(db);
  const profile = mkdtempSync(path.join(os.tmpdir(), "dspx-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  const at = (hash) => {
    const u = new URL(view.url);
    u.hash = hash;
    return u.toString();
  };
  const runReady = (n) => document.querySelectorAll("[data-testid=lineage-node]").length === n && document.querySelector("[data-testid=score-chart] canvas") !== null;
  const listReady = (n) => document.querySelectorAll("[data-testid=runs-table] tbody tr").length === n;
  const pages = [
    [`run page, ${CANDIDATES} candidates × ${EXAMPLES} dev examples`, at(`/runs/${BIG_RUN}`), runReady, CANDIDATES],
    ["run page, 10 candidates × 100 dev examples", at("/runs/optrun0000"), runReady, 10],
    ["runs list, 50 runs", at("/"), listReady, 50],
  ];
  const times = pages.map(() => []);
  // The server's share: the two requests the run page makes, timed from here.
  const apiTimes = { run: [], candidates: [] };
  try {
    // A warm-up round (Chromium's first start, the server's first statements), then rounds in turn.
    for (const [, url, ready, arg] of pages) await firstRender(context, url, ready, arg);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [key, suffix] of [["run", ""], ["candidates", "/candidates"]]) {
        const began = performance.now();
        const res = await fetch(new URL(`/api/runs/${BIG_RUN}${suffix}`, view.url));
        await res.arrayBuffer();
        apiTimes[key].push(performance.now() - began);
      }
      for (let i = 0; i < pages.length; i++) {
        const [, url, ready, arg] = pages[i];
        times[i].push(await firstRender(context, url, ready, arg));
      }
    }
  } finally {
    await context.close();
    await view.stop();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(
    `Viewer: time to first render in headless Chromium (${ROUNDS} rounds; database written in ${fmt(buildMs / 1000)} s)`,
    ["page", "median ms", "max ms", "vs 10-candidate run"],
    pages.map(([label], i) => [label, fmt(median(times[i]), 0), fmt(max(times[i]), 0), `${fmt(median(times[i]) / median(times[1]), 2)}×`]),
  );
  printTable(
    `Viewer: the big run page's two API requests, from Node (${ROUNDS} rounds)`,
    ["request", "median ms", "max ms"],
    [
      ["GET /api/runs/:run", fmt(median(apiTimes.run), 0), fmt(max(apiTimes.run), 0)],
      ["GET /api/runs/:run/candidates", fmt(median(apiTimes.candidates), 0), fmt(max(apiTimes.candidates), 0)],
    ],
  );
}
