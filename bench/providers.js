// Provider-path benchmarks against the mock server (in its own process): dspx's overhead against
// the raw openai SDK, how close the scheduler runs to a rate limit, and what the cache saves.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { dspx, OUT, ROOT, startMock, triageDataset } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAM = "programs/support-triage.yaml";

function runRaw(baseURL, file, concurrency) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bench/raw-sdk.js", baseURL, file, String(concurrency)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => resolve(JSON.parse(out)));
  });
}

async function evalJson(args, env = {}) {
  const r = await dspx(["eval", PROGRAM, "--json", ...args], { OPENAI_API_KEY: "bench", ...env });
  if (r.code !== 0) throw new Error(`dspx eval failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function overhead() {
  const file = await triageDataset(2000);
  const mock = await startMock();
  // --no-memo: the three rounds share one mock endpoint, and every round must send its requests.
  const lm = ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--concurrency", "64", "--dataset", file, "--no-memo"];
  const rows = [];
  // Alternate the contenders so neither gets a warmer machine; report the median of 3 each.
  const raw = [];
  const noCache = [];
  const withCache = [];
  for (let i = 0; i < 3; i++) {
    raw.push(await runRaw(mock.openaiBaseUrl, file, 64));
    noCache.push((await evalJson([...lm, "--no-cache"])).summary);
    const db = path.join(OUT, `overhead-${i}.db`);
    await rm(db, { force: true });
    withCache.push((await evalJson(lm, { DSPX_DB: db })).summary);
  }
  await mock.stop();
  const median = (xs) => [...xs].sort((a, b) => a - b)[1];
  const rawRate = median(raw.map((r) => (r.ok / r.ms) * 1000));
  const noCacheRate = median(noCache.map((s) => (s.done / s.wallMs) * 1000));
  const cacheRate = median(withCache.map((s) => (s.done / s.wallMs) * 1000));
  rows.push(["raw openai SDK", fmt(rawRate, 0), "1.00×"]);
  rows.push(["dspx eval --no-cache", fmt(noCacheRate, 0), fmt(noCacheRate / rawRate, 2) + "×"]);
  rows.push(["dspx eval (writing the cache)", fmt(cacheRate, 0), fmt(cacheRate / rawRate, 2) + "×"]);
  printTable("Overhead: 2,000 requests, zero-latency mock, concurrency 64 (requests/s, median of 3)", ["client", "req/s", "vs raw"], rows);
}

async function limitTracking() {
  const file = await triageDataset(900);
  const rows = [];
  for (const [label, mockArgs, dspxArgs] of [
    ["--rpm 600 given", ["--rpm", "600", "--burst", "1", "--latency", "20-80"], ["--rpm", "600"]],
    ["no limit given (headers + 429s)", ["--rpm", "600", "--burst", "1", "--headers", "--latency", "20-80"], []],
  ]) {
    const mock = await startMock(mockArgs);
    const report = await evalJson(["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--concurrency", "32", "--no-cache", "--dataset", file, ...dspxArgs]);
    // Over the evaluation itself (process start-up and program loading send nothing).
    const minutes = report.summary.wallMs / 60_000;
    const { counts } = await mock.stop();
    const perMin = counts.ok / minutes;
    rows.push([label, fmt(minutes * 60, 0) + " s", fmt(perMin, 0), fmt((perMin / 600) * 100, 1) + "%", `${counts.rateLimited} of ${counts.total}`, fmt((counts.rateLimited / counts.total) * 100, 2) + "%", report.summary.errors]);
  }
  printTable("Limit tracking: mock enforces 600 req/min (token bucket, 1 s burst), 900 examples, concurrency 32", ["scheduler told", "wall", "ok req/min", "of limit", "429s", "429 share", "errors"], rows);
}

async function cache() {
  const file = await triageDataset(1000);
  const mock = await startMock();
  const db = path.join(OUT, "cache-bench.db");
  await rm(db, { force: true });
  await rm(`${db}-wal`, { force: true });
  const args = ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--concurrency", "64", "--dataset", file];
  const first = (await evalJson(args, { DSPX_DB: db })).summary;
  const sentFirst = (await mock.stop()).counts.total;
  // Same port for the re-runs: the endpoint is part of the cache key.
  const port = new URL(mock.url).port;
  const again = async (extra) => {
    const m = await startMock(["--port", port]);
    const summary = (await evalJson(["--lm", "openai:gpt-4.1-mini", "--base-url", m.openaiBaseUrl, "--concurrency", "64", "--dataset", file, ...extra], { DSPX_DB: db })).summary;
    return { summary, sent: (await m.stop()).counts.total };
  };
  // --no-memo: the LM cache must answer, not the store's memo of finished evaluations.
  const second = await again(["--no-memo"]);
  const third = await again([]);
  const row = (label, s, sent) => [label, fmt(s.wallMs / 1000, 2) + " s", sent, s.cachedCalls, s.memoized, fmt(first.wallMs / s.wallMs, 1) + "×"];
  printTable("Cache: the same 1,000-example eval again, zero-latency mock", ["run", "wall", "requests sent", "cached calls", "memoized", "speed-up"], [
    row("first (cold)", first, sentFirst),
    row("again, answered by the LM cache", second.summary, second.sent),
    row("again, results memoized", third.summary, third.sent),
  ]);
}

export async function run(parts) {
  const suites = { overhead, "limit-tracking": limitTracking, cache };
  for (const name of parts) await suites[name]();
}
