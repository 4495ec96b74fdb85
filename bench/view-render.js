// Time to first render of the viewer's run page in headless Chromium (the system's, through
// playwright-core): from navigation start to the moment the page shows the lineage graph with every
// candidate and the drawn score chart, read from the page's own clock (performance.now()). On a
// database of 50 runs, one of them an optimization with 200 candidates × 1,000 dev examples (written
// through the store's writers, as dspx writes them), beside a 7-candidate run and the runs list.
// BENCH_VIEW_CANDIDATES / BENCH_VIEW_EXAMPLES / BENCH_VIEW_ROUNDS change the sizes.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { Store } from "../dist/store/store.js";
import { fmt, printTable } from "./lib.js";
import { ROOT } from "./support.js";

const CANDIDATES = Number(process.env.BENCH_VIEW_CANDIDATES ?? 200);
const EXAMPLES = Number(process.env.BENCH_VIEW_EXAMPLES ?? 1000);
const ROUNDS = Number(process.env.BENCH_VIEW_ROUNDS ?? 7);
const CHROMIUM = process.env.DSPX_CHROMIUM ?? "/usr/bin/chromium";
// As test/browser/support/chromium.ts starts it.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const config = (optimizer) => ({
  optimizer,
  stages: [{ optimizer, settings: {} }],
  seed: 0,
  concurrency: 8,
  limits: { calls: 2000 },
  defaultBudget: true,
  devset: "dev",
  data: { train: { file: "/train.jsonl", sha256: "0".repeat(64) }, dev: { splitFromTrain: true } },
  lm: { cache: true, defaultModel: "sim", env: {} },
});
const EVAL = { dataset: "dev", model: "sim", lm: { cache: true, defaultModel: "sim", env: {} }, concurrency: 8 };

function evaluation(i, score, instruction) {
  const text = `[[ ## team ## ]]\n${score ? "billing" : "other"}\n\n[[ ## completed ## ]]`;
  return {
    score,
    feedback: score ? null : "team: expected billing",
    outputs: { team: score ? "billing" : "other" },
    trace: [
      {
        step: "route",
        module: "predict",
        inputs: { message: `customer message ${i}: ${instruction.slice(0, 40)}` },
        outputs: { team: score ? "billing" : "other" },
        calls: [{ model: "sim", adapter: "chat", purpose: "predict", usage: { promptTokens: 120, completionTokens: 12, cachedTokens: 0 }, costUsd: 0, cached: false, latencyMs: 1, text }],
        latencyMs: 1,
      },
    ],
    usage: { promptTokens: 120, completionTokens: 12, cachedTokens: 0 },
    costUsd: 0,
    nominalCostUsd: 0,
    calls: 1,
    cachedCalls: 0,
    latencyMs: 1,
  };
}

/** An optimization of `n` candidates (a reflection tree with merges), each scored on `examples` dev examples. */
async function writeOptimizeRun(store, id, n, examples) {
  store.runs.create({ id, kind: "optimize", name: id, programName: "support-triage", programFile: "/bench/support-triage.yaml", programHash: "h", programSource: "steps: {}", config: config("gepa") });
  const hashes = [];
  let best = { hash: "", score: -1 };
  for (let c = 0; c < n; c++) {
    const hash = sha256(`${id}:${c}`);
    const parents = c === 0 ? [] : c % 10 === 9 ? [hashes[c - 1], hashes[Math.floor(c / 2)]] : [hashes[Math.floor((c * 7919) % c)]];
    const instruction = `Route the message to the team that should handle it. Rule ${c}: weigh deadlines and money first.`;
    store.runs.addCandidate(id, { hash, state: { steps: { route: { instruction, demos: [] } } }, parents, origin: c === 0 ? "program" : parents.length > 1 ? "merge" : "reflection" });
    hashes.push(hash);
    let sum = 0;
    for (let e = 0; e < examples; e++) {
      const score = (e * 31 + c * 17) % 100 < 30 + (c * 40) / n ? 1 : 0;
      sum += score;
      const exampleId = `ex-${e}`;
      const evalId = store.evaluations.add(`${hash}:${e}`, hash, exampleId, evaluation(e, score, instruction));
      store.evaluations.link({ runId: id, candidate: hash, dataset: "dev", exampleId, idx: e, evalId, memoized: false });
      const room = store.evaluations.room();
      if (room) await room;
    }
    if (sum / examples > best.score) best = { hash, score: sum / examples };
  }
  store.runs.update(id, { status: "done", bestCandidate: best.hash, bestScore: best.score, finished: true });
}

async function writeEvalRun(store, id, examples) {
  store.runs.create({ id, kind: "eval", programName: "support-triage", programFile: "/bench/support-triage.yaml", programHash: "h", programSource: "steps: {}", config: EVAL });
  const hash = sha256(`${id}:c`);
  store.runs.addCandidate(id, { hash, state: { steps: { route: { instruction: "Route it.", demos: [] } } }, origin: "program" });
  for (let e = 0; e < examples; e++) {
    const evalId = store.evaluations.add(`${hash}:${e}`, hash, `ex-${e}`, evaluation(e, e % 3 === 0 ? 0 : 1, "Route it."));
    store.evaluations.link({ runId: id, candidate: hash, dataset: "dev", exampleId: `ex-${e}`, idx: e, evalId, memoized: false });
  }
  store.runs.update(id, { status: "done", bestCandidate: hash, bestScore: 0.67, finished: true });
}

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

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
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
  const store = Store.open(db);
  await writeOptimizeRun(store, "bigrun00", CANDIDATES, EXAMPLES);
  await writeOptimizeRun(store, "smallrun", 7, 70);
  for (let r = 0; r < 48; r++) await writeEvalRun(store, `evalrun${r}`, 20);
  await store.close();
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
    [`run page, ${CANDIDATES} candidates × ${EXAMPLES} dev examples`, at("/runs/bigrun00"), runReady, CANDIDATES],
    ["run page, 7 candidates × 70 dev examples", at("/runs/smallrun"), runReady, 7],
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
        const res = await fetch(new URL(`/api/runs/bigrun00${suffix}`, view.url));
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
    ["page", "median ms", "max ms", "vs 7-candidate run"],
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
