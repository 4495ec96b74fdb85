// Peak memory of `dspx eval` as the dataset grows: support-triage on sim at 10k and 100k distinct
// rows (BENCH_EVAL_ROWS=10000,100000,… to choose), recording everything, then with every output on;
// and of batch prediction (`dspx run --input-file rows.jsonl --output preds.jsonl`) on the same rows.
// Peak RSS is the child's own ru_maxrss (see rss-probe.js), measured in the same run for each size.
import { spawn } from "node:child_process";
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { OUT, ROOT, triageDataset } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROBE = path.join(ROOT, "bench/rss-probe.js");

async function evalRun(rows, file, extra, command = "eval") {
  const db = path.join(OUT, `memory-${rows}.db`);
  const rssFile = path.join(OUT, `memory-${rows}.rss`);
  await rm(db, { force: true });
  await rm(`${db}-wal`, { force: true });
  await rm(`${db}-shm`, { force: true });
  const input = command === "eval" ? ["--dataset", file] : ["--input-file", file];
  const args = ["--import", PROBE, path.join(ROOT, "bin/dspx.js"), command, "programs/support-triage.yaml", ...input, "--lm", "sim", "--json", ...extra];
  const began = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", DSPX_DB: db, BENCH_RSS_FILE: rssFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  const wallMs = performance.now() - began;
  if (code !== 0) throw new Error(`dspx ${command} on ${rows} rows exited ${code}: ${stderr.slice(-500)}`);
  const done = JSON.parse(stdout).summary.done;
  const rssMb = Number(await readFile(rssFile, "utf8")) / 1024;
  const dbMb = (await stat(db)).size / 1e6;
  return { done, rssMb, wallMs, dbMb };
}

export async function run() {
  const sizes = (process.env.BENCH_EVAL_ROWS ?? "10000,100000").split(",").map(Number);
  const configs = [
    ["eval: records run + results", []],
    ["eval: and --junit --output", ["--junit", path.join(OUT, "memory.xml"), "--output", path.join(OUT, "memory.jsonl")]],
    ["run --input-file --output", ["--output", path.join(OUT, "memory-preds.jsonl")], "run"],
  ];
  const rows = [];
  for (const [label, extra, command] of configs) {
    const peaks = [];
    for (const n of sizes) {
      const file = await triageDataset(n);
      const r = await evalRun(n, file, extra, command);
      peaks.push(r.rssMb);
      rows.push([label, n.toLocaleString("en-US"), fmt(r.rssMb, 0), fmt(r.wallMs / 1000, 1), fmt((r.done / r.wallMs) * 1000, 0), fmt(r.dbMb, 0)]);
    }
    rows.push([label, `${sizes.at(-1).toLocaleString("en-US")} vs ${sizes[0].toLocaleString("en-US")}`, `${fmt(peaks.at(-1) / peaks[0], 2)}×`, "", "", ""]);
  }
  printTable("dspx eval and batch run memory (support-triage on sim, distinct rows)", ["run", "rows", "peak RSS MB", "wall s", "examples/s", "database MB"], rows);
}
