// What traces cost in the database: its growth per 1,000 examples evaluated on `sim`, with traces
// (messages stored once per content hash), with --no-traces, and with traces for a candidate with
// demos (whose demo turns every prompt repeats); beside each, what the messages would take stored
// per call as rendered, and what `dspx gc --keep-traces 0` then frees. Growth is measured between a
// small and a large evaluation, so the run's fixed rows cancel out.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { dspx, OUT, ROOT, triageDataset } from "./support.js";
import { fmt, now, printTable } from "./lib.js";

const SMALL = 200;
const LARGE = Number(process.env.BENCH_TRACES_EXAMPLES ?? 2000);

/** support-triage with four demos written into its step (an exported candidate, as bootstrap makes them). */
async function programWithDemos() {
  const source = await readFile(path.join(ROOT, "programs/support-triage.yaml"), "utf8");
  const train = (await readFile(path.join(ROOT, "datasets/support-triage/train.jsonl"), "utf8")).split("\n").filter(Boolean).slice(0, 4).map((l) => JSON.parse(l));
  const demos = train.map((r) => `      - { message: ${JSON.stringify(r.message)}, reasoning: "Evidence names the team.", team: ${r.team}, urgency: ${r.urgency} }`).join("\n");
  const file = path.join(OUT, "support-triage-demos.yaml");
  const withDemos = source
    .replace("    instruction: Route the message", `    demos:\n${demos}\n    instruction: Route the message`)
    .replaceAll("../datasets/", path.join(ROOT, "datasets") + "/");
  await writeFile(file, withDemos);
  return file;
}

/** Bytes the database holds (pages in use), its log checkpointed into it. */
function sizeOf(file) {
  const db = new Database(file);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pages = db.pragma("page_count", { simple: true }) - db.pragma("freelist_count", { simple: true });
    const perCall = db
      .prepare(
        `SELECT COALESCE(SUM(m.len), 0) AS n FROM evaluations e, json_tree(e.trace) t
           JOIN (SELECT l.hash, SUM(length(b.content)) AS len FROM blobs l, json_each(l.content) p JOIN blobs b ON b.hash = p.value
                 WHERE json_valid(l.content) AND json_type(l.content) = 'array' GROUP BY l.hash) m ON m.hash = t.value
         WHERE t.key = 'messagesHash'`,
      )
      .get().n;
    const blobs = db.prepare("SELECT COALESCE(SUM(length(content)), 0) AS n FROM blobs").get().n;
    return { bytes: pages * db.pragma("page_size", { simple: true }), perCall, blobs };
  } finally {
    db.close();
  }
}

async function evaluate(program, dataset, n, extra) {
  const db = path.join(OUT, `traces-${n}-${extra.join("")}.db`);
  for (const s of ["", "-wal", "-shm"]) await rm(db + s, { force: true });
  const began = now();
  const r = await dspx(["eval", program, "--dataset", dataset, "--concurrency", "16", "--no-memo", "--json", ...extra], { DSPX_DB: db });
  if (r.code !== 0) throw new Error(`dspx eval exited with ${r.code}: ${r.stderr}`);
  return { db, ms: now() - began, ...sizeOf(db) };
}

export async function run() {
  const small = await triageDataset(SMALL);
  const large = await triageDataset(LARGE);
  const demos = await programWithDemos();
  const per1000 = (a, b, key) => ((b[key] - a[key]) / (LARGE - SMALL)) * 1000;
  const rows = [];
  const freed = [];
  for (const [label, program, extra] of [
    ["traces (default)", "programs/support-triage.yaml", []],
    ["--no-traces", "programs/support-triage.yaml", ["--no-traces"]],
    ["traces, a candidate with 4 demos", demos, []],
    ["--no-traces, a candidate with 4 demos", demos, ["--no-traces"]],
  ]) {
    const a = await evaluate(program, small, SMALL, extra);
    const b = await evaluate(program, large, LARGE, extra);
    rows.push([label, fmt(per1000(a, b, "bytes") / 1e6, 2), fmt(per1000(a, b, "blobs") / 1e6, 2), fmt(per1000(a, b, "perCall") / 1e6, 2), fmt((LARGE / b.ms) * 1000, 0)]);
    if (extra.length === 0) {
      const began = now();
      const gc = await dspx(["gc", "--keep-traces", "0", "--vacuum", "--json"], { DSPX_DB: b.db });
      if (gc.code !== 0) throw new Error(`dspx gc exited with ${gc.code}: ${gc.stderr}`);
      const report = JSON.parse(gc.stdout);
      freed.push([label, LARGE, fmt((report.traces.bytes + report.removed.blobBytes) / 1e6, 2), fmt(report.vacuum.beforeBytes / 1e6, 2), fmt(report.vacuum.afterBytes / 1e6, 2), fmt(now() - began, 0)]);
    }
  }
  printTable(
    `Traces: database growth per 1,000 examples evaluated on sim (support-triage, ${SMALL} vs ${LARGE} examples)`,
    ["what is stored", "MB / 1,000 examples", "of which blobs (messages, examples)", "messages if stored per call", "examples/s (whole process)"],
    rows,
  );
  printTable(`dspx gc --keep-traces 0 --vacuum on the ${LARGE}-example database`, ["database", "examples", "MB of text freed", "MB before", "MB after", "ms"], freed);
}
