// Provider-path benchmarks against the mock server (in its own process): dspx's overhead against
// the raw openai SDK, how close the scheduler runs to a rate limit, and what the cache saves.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { dspx, OUT, ROOT, startMock, triageDataset } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAM = "programs/support-triage.yaml";

/** Runs the raw SDK's process; resolves with its loop's figures and its whole process's wall time. */
function runRaw(baseURL, bodiesFile, concurrency) {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, ["bench/raw-sdk.js", baseURL, bodiesFile, String(concurrency)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => resolve({ ...JSON.parse(out), processMs: performance.now() - began }));
  });
}

function renderBodies(datasetFile) {
  const out = datasetFile.replace(/\.jsonl$/, ".bodies.json");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bench/raw-sdk.js", "render", datasetFile, out], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`rendering the raw SDK's bodies exited with ${code}`))));
  });
}

async function evalJson(args, env = {}) {
  const began = performance.now();
  const r = await dspx(["eval", PROGRAM, "--json", ...args], { OPENAI_API_KEY: "bench", ...env });
  if (r.code !== 0) throw new Error(`dspx eval failed (${r.code}): ${r.stderr}`);
  return { ...JSON.parse(r.stdout), processMs: performance.now() - began };
}

/**
 * dspx's eval against the raw SDK: the eval loop's rate (what `wallMs` covers) and the whole
 * process's (spawn to exit: start-up, loading, opening the database, finishing). The store's writer
 * thread and the dispatch of a turn's requests together (`nextTurn`) are measured against the
 * simple synchronous path: every write committed at once on the main thread, every request sent
 * when it is made (the bench-only switches DSPX_BENCH_INLINE_WRITER and DSPX_BENCH_NO_TURN_BATCHING).
 */
async function overhead() {
  const file = await triageDataset(2000);
  const bodies = await renderBodies(file);
  const mock = await startMock();
  // --no-memo: the rounds share one mock endpoint, and every round must send its requests.
  const lm = ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--concurrency", "64", "--dataset", file, "--no-memo"];
  const INLINE = { DSPX_BENCH_INLINE_WRITER: "1" };
  const NO_TURN = { DSPX_BENCH_NO_TURN_BATCHING: "1" };
  const contenders = [
    // Nothing stored: the scheduler, rendering, parsing and the metric alone (what recording every result and trace costs is the difference).
    ["dspx eval --no-cache --no-record", ["--no-cache", "--no-record"], {}],
    ["dspx eval --no-cache", ["--no-cache"], {}],
    ["dspx eval (writing the cache): writer thread, turn batching", [], {}],
    ["  … inline writes, turn batching", [], INLINE],
    ["  … writer thread, no turn batching", [], NO_TURN],
    ["  … inline writes, no turn batching (simple path)", [], { ...INLINE, ...NO_TURN }],
  ];
  const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 3);
  // Alternate the contenders round by round so none gets a warmer machine; report medians.
  const raw = [];
  const runs = contenders.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    raw.push(await runRaw(mock.openaiBaseUrl, bodies, 64));
    for (let c = 0; c < contenders.length; c++) {
      const [, args, env] = contenders[c];
      const db = path.join(OUT, `overhead-${c}-${i}.db`);
      await rm(db, { force: true });
      const r = await evalJson([...lm, ...args], { DSPX_DB: db, ...env });
      runs[c].push({ loop: (r.summary.done / r.summary.wallMs) * 1000, whole: (r.summary.done / r.processMs) * 1000 });
    }
  }
  await mock.stop();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rawLoop = median(raw.map((r) => (r.ok / r.ms) * 1000));
  const rawWhole = median(raw.map((r) => (r.ok / r.processMs) * 1000));
  const rows = [["raw openai SDK", fmt(rawLoop, 0), "1.00×", fmt(rawWhole, 0), "1.00×"]];
  contenders.forEach(([label], c) => {
    const loop = median(runs[c].map((r) => r.loop));
    const whole = median(runs[c].map((r) => r.whole));
    rows.push([label, fmt(loop, 0), fmt(loop / rawLoop, 2) + "×", fmt(whole, 0), fmt(whole / rawWhole, 2) + "×"]);
  });
  printTable(
    `Overhead: 2,000 requests, zero-latency mock, concurrency 64 (requests/s, median of ${ROUNDS}; loop: the eval loop; process: spawn to exit)`,
    ["client", "loop req/s", "vs raw", "process req/s", "vs raw"],
    rows,
  );
}

/** Runs one part of bench/scheduler-sim.ts (fake clock) and returns its rows. */
function simulated(part) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/scheduler-sim.ts", part], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`scheduler-sim exited with ${code}`))));
  });
}

const pct = (x) => fmt(x * 100, 1) + "%";

async function limitTracking() {
  const fast = await triageDataset(600);
  const slow = await triageDataset(300);
  const rows = [];
  const limit = ["--rpm", "600", "--burst", "1"];
  for (const [told, headers, latency, file, concurrency, mockArgs, dspxArgs] of [
    ["--rpm 600", "none", "20-80 ms", fast, 32, ["--latency", "20-80"], ["--rpm", "600"]],
    ["nothing", "stamped at answer", "20-80 ms", fast, 32, ["--headers", "--latency", "20-80"], []],
    ["nothing", "stamped at admission", "20-80 ms", fast, 32, ["--headers", "--stamp", "admission", "--latency", "20-80"], []],
    ["--rpm 600", "stamped at admission", "20-80 ms", fast, 32, ["--headers", "--stamp", "admission", "--latency", "20-80"], ["--rpm", "600"]],
    ["nothing", "stamped at admission", "2-5 s", slow, 64, ["--headers", "--stamp", "admission", "--latency", "2000-5000"], []],
  ]) {
    const mock = await startMock([...limit, ...mockArgs]);
    const report = await evalJson(["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--concurrency", String(concurrency), "--no-cache", "--dataset", file, ...dspxArgs]);
    // Over the evaluation itself (process start-up and program loading send nothing).
    const minutes = report.summary.wallMs / 60_000;
    const { counts, admittedMs } = await mock.stop();
    const perMin = counts.ok / minutes;
    // From the second admission to the last: leaves out the probe's wait for its answer (dspx sends
    // one request until something answers when it knows no limit) and the last answers' latency.
    const admitting = admittedMs > 0 ? (counts.ok - 2) / (admittedMs / 60_000) / 600 : NaN;
    rows.push([told, headers, latency, fmt(minutes * 60, 0) + " s", fmt(perMin, 0), pct(perMin / 600), pct(admitting), `${counts.rateLimited} of ${counts.total}`, report.summary.errors]);
  }
  printTable(
    "Limit tracking (real time): mock enforces 600 req/min (token bucket, 1 s burst); 600 examples at concurrency 32 (300 at 64 with 2-5 s answers)",
    ["scheduler told", "rate-limit headers", "latency", "wall", "ok req/min", "of limit", "while admitting", "429s", "errors"],
    rows,
  );
  const sim = await simulated("limits");
  printTable(
    "Limit tracking (fake clock, 10 simulated minutes): simulated provider with a true 600 req/min token bucket (1 s burst)",
    ["headers, latency, scheduler told", "of limit", "429s"],
    sim.map((r) => [r.label, pct(r.ofLimit), `${r.rateLimited} of ${r.requests}`]),
  );
}

async function rateLimitRecovery() {
  const file = await triageDataset(2500);
  const rows = [];
  const lm = (mock) => ["--lm", "openai:gpt-4.1-mini", "--base-url", mock.openaiBaseUrl, "--no-cache"];
  // One 429 (retry-after: 1) on the very first request, against a server with no limits. The two
  // evaluations run at the same time, each against its own mock, so that both see the same machine
  // (on a shared machine, runs one after the other differ by more than the second at stake); two rounds.
  const total = { none: { ms: 0, done: 0, limited: 0, sent: 0 }, one: { ms: 0, done: 0, limited: 0, sent: 0 } };
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      [
        ["none", []],
        ["one", ["--refuse-first", "1"]],
      ].map(async ([key, args]) => {
        const mock = await startMock(["--latency", "20-80", ...args]);
        const report = await evalJson([...lm(mock), "--concurrency", "8", "--dataset", file], { DSPX_DB: path.join(OUT, `recovery-${key}.db`) });
        const { counts } = await mock.stop();
        const t = total[key];
        t.ms += report.summary.wallMs;
        t.done += report.summary.done;
        t.limited += counts.rateLimited;
        t.sent += counts.total;
      }),
    );
  }
  const rate = (t) => (t.done / t.ms) * 1000;
  for (const [label, t] of [
    ["2,500 examples, no 429 (2 rounds)", total.none],
    ["2,500 examples, a 429 on the first request (2 rounds)", total.one],
  ]) {
    rows.push([label, fmt(t.ms / 2000, 1) + " s", fmt(rate(t), 0), `${t.limited} of ${t.sent}`, ""]);
  }
  rows.push(["throughput, one early 429 vs none", "", fmt(rate(total.one) / rate(total.none), 2) + "×", "", ""]);
  // A storm: every request in the first 2 s of each 5 s (from the mock's start) answered 429; slow
  // enough answers (200-800 ms, 4 in flight: ~9 s of work) that the evaluation meets several.
  const small = await triageDataset(70);
  for (const [label, args] of [
    ["70 examples, no storm", []],
    ["70 examples in a 2-s-in-5 429 storm", ["--storm", "5000:2000"]],
  ]) {
    const mock = await startMock(["--latency", "200-800", ...args]);
    const report = await evalJson([...lm(mock), "--concurrency", "4", "--dataset", small]);
    const { counts } = await mock.stop();
    rows.push([label, fmt(report.summary.wallMs / 1000, 1) + " s", fmt((report.summary.done / report.summary.wallMs) * 1000, 1), `${counts.rateLimited} of ${counts.total}`, report.summary.errors]);
  }
  printTable(
    "429 recovery (real time): mock with no limit; 2,500 examples with 20-80 ms answers at concurrency 8 (the pair side by side, wall: mean of 2 rounds), 70 with 200-800 ms at concurrency 4 (storm counted from the first request)",
    ["run", "wall", "examples/s", "429s", "errors"],
    rows,
  );
  const sim = await simulated("recovery");
  printTable(
    "429 recovery (fake clock): simulated provider with no limit, 20-80 ms answers, concurrency 16 unless said",
    ["run", "finished after", "429s", "failed"],
    sim.map((r) => [r.label, fmt(r.seconds, 1) + " s", r.rateLimited, r.failed]),
  );
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
  const suites = { overhead, "limit-tracking": limitTracking, "429-recovery": rateLimitRecovery, cache };
  for (const name of parts) await suites[name]();
}
