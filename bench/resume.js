// Resume overhead: a GEPA run killed with SIGKILL three times and resumed each time, against the
// same run uninterrupted — both against the mock provider (20–60 ms per call), counting requests.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { OUT, ROOT, startMock } from "./support.js";
import { printTable } from "./lib.js";

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

export async function run() {
  const concurrency = 4;
  const args = (base) => ["optimize", "programs/support-triage.yaml", "--optimizer", "gepa", "--seed", "3", "--budget-calls", "900", "--concurrency", String(concurrency), "--lm", "openai:gpt-4.1-mini", "--base-url", base, "--json"];
  // Uninterrupted.
  const refDb = path.join(OUT, "resume-ref.db");
  await rm(refDb, { force: true });
  let mock = await startMock(["--latency", "20-60"]);
  const ref = await finish(dspxChild(args(mock.openaiBaseUrl), refDb));
  const refCounts = (await mock.stop()).counts;
  const refReport = JSON.parse(ref.stdout);

  // Killed at three points and resumed (same port, so cache keys match).
  const db = path.join(OUT, "resume-crash.db");
  await rm(db, { force: true });
  mock = await startMock(["--latency", "20-60"]);
  let runId;
  let kills = 0;
  for (const afterMs of [1500, 3000, 3000]) {
    const child = runId ? dspxChild(["resume", runId, "--json"], db) : dspxChild(args(mock.openaiBaseUrl), db);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const closed = new Promise((r) => child.on("close", r));
    await new Promise((r) => setTimeout(r, afterMs));
    child.kill("SIGKILL");
    await closed;
    kills++;
    runId ??= /run ([2-9a-z]{8})/.exec(stderr)?.[1];
  }
  const final = await finish(dspxChild(["resume", runId, "--json"], db));
  const counts = (await mock.stop()).counts;
  const report = JSON.parse(final.stdout);
  printTable("Resume after kill -9 (GEPA, support-triage, mock provider with 20–60 ms latency, concurrency 4)", ["run", "requests sent", "best candidate", "best dev", "best test"], [
    ["uninterrupted", refCounts.total, refReport.best.candidate.slice(0, 10), refReport.best.dev.mean.toFixed(3), refReport.best.test?.mean.toFixed(3) ?? "–"],
    [`killed ${kills}× and resumed`, counts.total, report.best.candidate.slice(0, 10), report.best.dev.mean.toFixed(3), report.best.test?.mean.toFixed(3) ?? "–"],
  ]);
  const extra = counts.total - refCounts.total;
  console.log(`\nextra requests after ${kills} kills: ${extra} (at most ${kills} × ${concurrency} could have been in flight); same best candidate: ${report.best.candidate === refReport.best.candidate}`);
}
