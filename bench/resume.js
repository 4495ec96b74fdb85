// Resume after kill -9, for every optimizer: each run killed with SIGKILL twice — once mid-run,
// once inside the final test evaluation — and resumed each time, against the same run
// uninterrupted; both against the mock provider (20–60 ms per call), counting requests.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { OUT, ROOT, startMock } from "./support.js";
import { printTable } from "./lib.js";

const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa"];
const CONCURRENCY = 4;

function dspxChild(args, db) {
  return spawn(process.execPath, [path.join(ROOT, "bin/dspx.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", DSPX_DB: db, OPENAI_API_KEY: "bench" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function finish(child) {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((r) => child.on("close", r));
  return { code, stdout, stderr };
}

/** Committed results of the run in `db`: all, and those of the final test evaluation. */
function results(db) {
  if (!existsSync(db)) return { all: 0, test: 0 };
  try {
    const sql = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const row = sql.prepare("SELECT COUNT(*) AS all_, COALESCE(SUM(dataset = 'test'), 0) AS test FROM run_results").get();
      return { all: row.all_, test: row.test };
    } finally {
      sql.close();
    }
  } catch {
    return { all: 0, test: 0 }; // still being created
  }
}

/** Starts `args`, kills it with SIGKILL once `ready()` holds (or it ends); returns the run id it printed. */
async function killWhen(args, db, ready) {
  const child = dspxChild(args, db);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let ended = false;
  const closed = new Promise((r) => child.on("close", () => r((ended = true))));
  while (!ended && !ready(results(db))) await new Promise((r) => setTimeout(r, 10));
  child.kill("SIGKILL");
  await closed;
  return /run ([2-9a-z]{8})/.exec(stderr)?.[1];
}

async function one(optimizer) {
  const args = (base) => [
    "optimize", "programs/incident-triage.yaml", "--optimizer", optimizer, "--seed", "7", "--budget-calls", optimizer === "beam" ? "1200" : "900",
    "--concurrency", String(CONCURRENCY), "--lm", "openai:gpt-4.1-mini", "--base-url", base, "--json",
  ];
  const refDb = path.join(OUT, `resume-${optimizer}-ref.db`);
  const db = path.join(OUT, `resume-${optimizer}-crash.db`);
  await rm(refDb, { force: true });
  await rm(db, { force: true });
  let mock = await startMock(["--latency", "20-60"]);
  const ref = await finish(dspxChild(args(mock.openaiBaseUrl), refDb));
  const refRequests = (await mock.stop()).counts.total;
  const refReport = JSON.parse(ref.stdout);
  const refResults = results(refDb).all;

  mock = await startMock(["--latency", "20-60"]);
  // Mid-run: half of the results in. Then, resumed, inside the final test evaluation.
  const runId = await killWhen(args(mock.openaiBaseUrl), db, (r) => r.all >= refResults / 2);
  await killWhen(["resume", runId, "--json"], db, (r) => r.test > 0);
  const final = await finish(dspxChild(["resume", runId, "--json"], db));
  const requests = (await mock.stop()).counts.total;
  const report = JSON.parse(final.stdout);
  return { optimizer, refRequests, requests, ref: refReport, report };
}

const usd = (x) => (x === null ? "?" : `$${x.toFixed(4)}`);
const tokens = (r) => (r.tokens.promptTokens + r.tokens.completionTokens).toLocaleString("en-US");

export async function run() {
  const rows = [];
  for (const optimizer of OPTIMIZERS) rows.push(await one(optimizer));
  printTable(
    `Resume after kill -9 twice (mid-run, then inside the final test evaluation); incident-triage, mock provider (20–60 ms per call), concurrency ${CONCURRENCY}`,
    ["optimizer", "requests: uninterrupted / killed + resumed", "sent again", "same best, scores, candidates, steps, calls", "tokens (both)", "cost: run / last process"],
    rows.map((r) => {
      const same =
        r.report.best.candidate === r.ref.best.candidate &&
        r.report.best.dev.mean === r.ref.best.dev.mean &&
        r.report.best.test?.mean === r.ref.best.test?.mean &&
        r.report.candidates === r.ref.candidates &&
        r.report.steps === r.ref.steps &&
        r.report.usage.calls === r.ref.usage.calls;
      const tokensSame = r.report.tokens.promptTokens === r.ref.tokens.promptTokens && r.report.tokens.completionTokens === r.ref.tokens.completionTokens;
      return [
        r.optimizer,
        `${r.refRequests} / ${r.requests}`,
        r.requests - r.refRequests,
        same ? "yes" : `NO (best ${r.report.best.candidate.slice(0, 10)} vs ${r.ref.best.candidate.slice(0, 10)}, ${r.report.candidates} vs ${r.ref.candidates} candidates, ${r.report.steps} vs ${r.ref.steps} steps)`,
        tokensSame ? tokens(r.report) : `${tokens(r.report)} vs ${tokens(r.ref)}`,
        `${usd(r.report.costUsd)} (uninterrupted ${usd(r.ref.costUsd)}) / ${usd(r.report.thisProcess.costUsd)}`,
      ];
    }),
  );
  console.log(`\nat most 2 × ${CONCURRENCY} requests can be in flight at the two kills of a run: only those may be sent again`);
}
