// Signals and commit lag, on sim: Ctrl-C typed at a real terminal (a pseudo-terminal from `script`,
// ^C through the terminal driver) on a 20 ms-latency run and on a zero-latency one — time from the
// key to the exit; the first Ctrl-C lets the calls in flight end, a second one (typed as soon as
// the first says it is stopping) leaves at once — and how far behind the store is when kill -9
// lands two seconds into a zero-latency run: results committed against results computed (a
// metric module counts every result scored), the newest committed result against the moment of
// the kill, and the longest the committed count stood still while the run worked.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { OUT, ROOT } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAM = "programs/support-triage.yaml";
const REPEAT = 3;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freshDb(name) {
  await mkdir(OUT, { recursive: true });
  const db = path.join(OUT, `signals-${name}.db`);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) await rm(f, { force: true });
  return db;
}

/** Committed results of the run and the newest one's time (ms since the epoch), or undefined before the store exists. */
function committed(db) {
  if (!existsSync(db)) return undefined;
  try {
    const sql = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return sql.prepare("SELECT COUNT(*) AS n, MAX(at) AS newest FROM run_results").get();
    } finally {
      sql.close();
    }
  } catch {
    return undefined;
  }
}

/** dspx in a pseudo-terminal of 120 columns (so its spinner runs), CI unset as on a person's machine. */
function inPty(args, db) {
  const env = { ...process.env, NO_COLOR: "1", DSPX_DB: db };
  delete env.CI;
  const command = `stty cols 120 rows 40; exec ${quote(process.execPath)} ${quote(path.join(ROOT, "bin/dspx.js"))} ${args.map(quote).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let screen = "";
  child.stdout.on("data", (d) => (screen += d));
  child.stderr.on("data", (d) => (screen += d));
  const closed = new Promise((r) => child.on("close", (code) => r({ code, at: performance.now() })));
  return { child, screen: () => screen, closed };
}

/**
 * Types Ctrl-C `afterMs` after the spinner first shows — and, with `twice`, again as soon as the
 * first says it is stopping; ms from the (last) key to the exit, and the exit code.
 */
async function ctrlC(args, name, afterMs, twice = false) {
  const db = await freshDb(name);
  const pty = inPty(args, db);
  while (!SPINNER.test(pty.screen()) && pty.child.exitCode === null) await sleep(10);
  await sleep(afterMs);
  let pressed = performance.now();
  pty.child.stdin.write("\x03");
  if (twice) {
    while (!/stopping/.test(pty.screen()) && pty.child.exitCode === null) await sleep(1);
    pressed = performance.now();
    pty.child.stdin.write("\x03");
  }
  const { code, at } = await pty.closed;
  pty.child.stdin.destroy();
  return { ms: at - pressed, code };
}

/** support-triage with a metric that appends a byte to $COUNT_FILE for every result it scores. */
async function countingProgram() {
  await mkdir(OUT, { recursive: true });
  const data = path.join(ROOT, "datasets/support-triage");
  await writeFile(
    path.join(OUT, "signals-count.mjs"),
    `import { appendFileSync } from "node:fs";
export default function (example, prediction) {
  appendFileSync(process.env.COUNT_FILE, "x");
  return ((prediction.team === example.team) + (prediction.urgency === example.urgency)) / 2;
}
`,
  );
  const program = path.join(OUT, "signals-count.yaml");
  const source = (await import("node:fs")).readFileSync(path.join(ROOT, PROGRAM), "utf8");
  await writeFile(
    program,
    source
      .replace(/metric:\n(  .*\n)+/, "metric:\n  module: ./signals-count.mjs\n")
      .replace(/\.\.\/datasets\/support-triage/g, data),
  );
  return program;
}

/** kill -9 two seconds after a zero-latency optimize run has begun: how far behind the store was. */
async function killLag(program) {
  const db = await freshDb("kill");
  const counted = path.join(OUT, "signals-computed");
  await rm(counted, { force: true });
  await writeFile(counted, "");
  const child = spawn(process.execPath, [path.join(ROOT, "bin/dspx.js"), "optimize", program, "--lm", "sim", "--budget-calls", "6000", "--json"], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", DSPX_DB: db, COUNT_FILE: counted },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  while (!/run [2-9a-z]{8}/.test(stderr) && child.exitCode === null) await sleep(5);
  const began = performance.now();
  let last = { n: 0, at: began };
  let longestStill = 0;
  while (performance.now() - began < 2000) {
    await sleep(25);
    const c = committed(db);
    const t = performance.now();
    if ((c?.n ?? 0) !== last.n) last = { n: c.n, at: t };
    longestStill = Math.max(longestStill, t - last.at);
  }
  const killedAt = Date.now();
  child.kill("SIGKILL");
  await new Promise((r) => child.on("close", r));
  const c = committed(db);
  const evaluations = storedEvaluations(db);
  return { results: c?.n ?? 0, evaluations, computed: statSync(counted).size, behindMs: c?.newest ? killedAt - c.newest : undefined, longestStill };
}

/** Evaluations in the store (each computed once: from a fresh store, one per result computed). */
function storedEvaluations(db) {
  const sql = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return sql.prepare("SELECT COUNT(*) AS n FROM evaluations").get().n;
  } finally {
    sql.close();
  }
}

export async function run() {
  const rows = [];
  const optimize20 = ["optimize", PROGRAM, "--lm", "sim?latency=20ms", "--budget-calls", "2000"];
  const optimize2s = ["optimize", PROGRAM, "--lm", "sim?latency=2s", "--budget-calls", "2000", "--concurrency", "4"];
  const cases = [
    ["optimize, sim 20 ms, first Ctrl-C", optimize20, 1500, false],
    ["optimize, sim 20 ms, second Ctrl-C", optimize20, 1500, true],
    ["eval, sim 20 ms, first Ctrl-C", ["eval", PROGRAM, "--dataset", "datasets/support-triage/train.jsonl", "--lm", "sim?latency=20ms", "--concurrency", "2"], 1000, false],
    ["optimize, sim 0 ms, first Ctrl-C", ["optimize", PROGRAM, "--lm", "sim", "--budget-calls", "6000"], 3000, false],
    ["optimize, sim 2 s, first Ctrl-C", optimize2s, 3000, false],
    ["optimize, sim 2 s, second Ctrl-C", optimize2s, 3000, true],
  ];
  for (const [label, args, afterMs, twice] of cases) {
    const runs = [];
    for (let i = 0; i < REPEAT; i++) runs.push(await ctrlC(args, `ctrlc-${i}`, afterMs, twice));
    rows.push([label, fmt(median(runs.map((r) => r.ms)), 0), fmt(Math.max(...runs.map((r) => r.ms)), 0), [...new Set(runs.map((r) => r.code))].join(", ")]);
  }
  printTable(`Ctrl-C typed at a terminal, from the (last) key to the exit (ms; ${REPEAT} runs each)`, ["run", "median", "worst", "exit codes"], rows);

  const program = await countingProgram();
  const kills = [];
  for (let i = 0; i < REPEAT; i++) kills.push(await killLag(program));
  printTable(
    `kill -9 two seconds into a zero-latency optimize run (sim, GEPA, 6,000 calls; ${REPEAT} runs)`,
    ["run", "results computed", "evaluations committed", "behind", "run results committed", "newest committed result, before the kill (ms)", "longest the store stood still (ms)"],
    kills.map((k, i) => [i + 1, k.computed, k.evaluations, k.computed - k.evaluations, k.results, fmt(k.behindMs, 0), fmt(k.longestStill, 0)]),
  );
}
