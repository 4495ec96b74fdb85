// Start-up cost of the CLI: whole processes, spawn to exit, against `node -e 0` on the same machine
// in the same run. The contenders alternate round by round so that none gets a quieter machine;
// the figure is the median of the rounds, and the ratio is what the README quotes.
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { OUT, ROOT } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAM = "programs/support-triage.yaml";
const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 15);

/** Runs one process to its end; resolves with its wall time in ms (spawn to exit). */
function timed(args, env) {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // Each build its own database: an older build refuses one a newer build has migrated.
      env: { ...env, NO_COLOR: "1", DSPX_DB: path.join(OUT, args[0] === "-e" || args[0].startsWith("bin/") ? "startup.db" : "startup-before.db") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${args.join(" ")} exited with ${code}: ${stderr}`));
      else resolve(performance.now() - began);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** The contenders, each a process the CLI user would start (keys removed: everything runs on sim). */
const CONTENDERS = [
  ["node -e 0", ["-e", "0"]],
  ["dspx --help", ["bin/dspx.js", "--help"]],
  ["dspx validate (sim)", ["bin/dspx.js", "validate", PROGRAM]],
  ["dspx eval, 20 examples (sim, recording)", ["bin/dspx.js", "eval", PROGRAM, "--limit", "20", "--no-memo"]],
];

/**
 * BENCH_STARTUP_BEFORE=<dir>: also runs the dspx of another build (its bin/dspx.js) beside this one,
 * for before/after figures from one run.
 */
function contenders() {
  const before = process.env.BENCH_STARTUP_BEFORE;
  if (!before) return CONTENDERS;
  const bin = path.resolve(before, "bin/dspx.js");
  const earlier = CONTENDERS.slice(1).map(([label, [, ...rest]]) => [`${label}, before`, [bin, ...rest]]);
  return [CONTENDERS[0], ...CONTENDERS.slice(1).flatMap((c, i) => [earlier[i], c])];
}

export async function run() {
  const list = contenders();
  for (const db of ["startup.db", "startup-before.db"]) await rm(path.join(OUT, db), { force: true });
  const env = { ...process.env };
  for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "DSPX_LM"]) delete env[name];
  const times = list.map(() => []);
  // One warm-up round (file cache, the database's creation), not counted.
  for (const [, args] of list) await timed(args, env);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < list.length; i++) times[i].push(await timed(list[i][1], env));
  }
  const base = median(times[0]);
  const rows = list.map(([label], i) => {
    const m = median(times[i]);
    return [label, fmt(m, 0), fmt(m / base, 2) + "×"];
  });
  printTable(`Start-up: whole process, spawn to exit (ms, median of ${ROUNDS} alternating rounds)`, ["process", "ms", "vs node -e 0"], rows);
}
