// The viewer's API on a large database (bench/view-db.js: 50 runs, one with 200 candidates × 1,000
// dev examples): response times over HTTP for the runs list, the big run, its candidates, an
// examples page, a filtered page and one example — the first request of a fresh viewer (cold), the
// first after another process committed something (what a poll during a live run costs), and the
// median and p95 of 30 requests with nothing changing; and the database's size.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../dist/store/db.js";
import { startViewServer } from "../dist/view/server.js";
import { openViewStore } from "../dist/view/view-store.js";
import { fmt, now, printTable } from "./lib.js";
import { BIG_RUN, buildViewBenchDb } from "./view-db.js";

function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let bytes = 0;
      res.on("data", (d) => (bytes += d.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

async function timed(url, repeat = 30) {
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes = await get(url);
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = now();
    await get(url);
    times.push(now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(repeat / 2)], p95: times[Math.ceil(repeat * 0.95) - 1], bytes };
}

export async function run() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-bench-view-"));
  const file = path.join(dir, "dspx.db");
  try {
    const t = now();
    await buildViewBenchDb(file);
    const buildMs = now() - t;
    // What a reader finds: the log folded into the file.
    const db = openDatabase(file);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const evaluations = db.prepare("SELECT COUNT(*) FROM evaluations").pluck().get();
    db.close();
    const size = (await stat(file)).size;
    const writer = openDatabase(file);
    let seq = 1_000_000;
    const commitSomething = () =>
      writer.prepare("INSERT INTO events (run_id, seq, at, type, data) VALUES (?, ?, ?, 'bench', '{}')").run(BIG_RUN, seq++, Date.now());
    const rows = [];
    for (const [what, p] of [
      ["runs list (50 runs)", "/api/runs"],
      ["a run (200 candidates × 1,000)", `/api/runs/${BIG_RUN}`],
      ["its candidates", `/api/runs/${BIG_RUN}/candidates`],
      ["examples page (50 of 1,000)", `/api/runs/${BIG_RUN}/examples`],
      ["examples, flips, page 2", `/api/runs/${BIG_RUN}/examples?filter=flips&page=2`],
      ["one example (a and b)", `/api/runs/${BIG_RUN}/examples/ex-00500`],
    ]) {
      // A fresh viewer for each: nothing read yet.
      const store = openViewStore(file);
      const server = await startViewServer({ store, port: 0 });
      try {
        const url = `http://127.0.0.1:${server.port}${p}`;
        let t = now();
        await get(url);
        const cold = now() - t;
        const after = [];
        for (let i = 0; i < 5; i++) {
          commitSomething();
          t = now();
          await get(url);
          after.push(now() - t);
        }
        after.sort((a, b) => a - b);
        const r = await timed(url);
        rows.push([what, fmt(cold), fmt(after[2]), fmt(r.median), fmt(r.p95), fmt(r.bytes / 1024)]);
      } finally {
        await server.close();
        store.close();
      }
    }
    writer.close();
    printTable("Viewer API over HTTP (one connection at a time)", ["request", "cold ms", "after a commit ms", "median ms", "p95 ms", "response KiB"], rows);
    console.log(`\ndatabase: ${evaluations.toLocaleString("en-US")} evaluations, ${fmt(size / 1024 / 1024)} MiB (${fmt(size / evaluations / 1024, 2)} KiB per evaluation); built in ${fmt(buildMs / 1000)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
