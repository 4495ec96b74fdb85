// Every optimizer and a sequence on every example program, offline with sim, each run a spawned CLI
// with its own temporary database: baseline → best on dev and test, rollouts, LM calls and wall time,
// (a) at the default budget (2,000 LM calls) and (b) at one rollout budget for all (equal rollouts,
// no call limit), over a few seeds. Then a summary across programs and seeds: the evidence the
// default optimizer is chosen on. Nothing is asserted.
//
// BENCH_SEEDS (default "0,1,2") and BENCH_PROGRAMS (comma lists) and BENCH_CONFIGS (a space list, as a
// sequence has commas: "gepa bootstrap,gepa") narrow a run;
// BENCH_JOBS (default 2) is how many runs go at once (wall times are per run, so they rise with it).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { dspx, ROOT } from "./support.js";
import { fmt, now, printTable } from "./lib.js";

const list = (name, fallback, sep = ",") => (process.env[name] ? process.env[name].split(sep).map((s) => s.trim()).filter(Boolean) : fallback);

// account-help is left out: its baseline already scores 1.000 on dev and test, so there is nothing to rank.
const PROGRAMS = list("BENCH_PROGRAMS", ["support-triage", "incident-triage", "order-agent", "product-qa"]);
const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa", "mipro"];
const SEQUENCES = ["bootstrap,gepa", "bootstrap,mipro"];
const CONFIGS = list("BENCH_CONFIGS", [...OPTIMIZERS, ...SEQUENCES], /\s+/);
const SEEDS = list("BENCH_SEEDS", ["0", "1", "2"]).map(Number);
const JOBS = Math.max(1, Number(process.env.BENCH_JOBS ?? 2));
const EQUAL_ROLLOUTS = 1000;
const BUDGETS = [
  { key: "default", title: "the default budget (2,000 LM calls)", args: [] },
  { key: "equal", title: `an equal budget of ${EQUAL_ROLLOUTS.toLocaleString("en-US")} rollouts (no call limit)`, args: ["--budget-rollouts", String(EQUAL_ROLLOUTS)] },
];
/** mipro's larger presets, at the default budget and the first seed only (they cost the most). */
const PRESETS = ["medium", "heavy"];

/** A copy of the program beside it (data paths stay valid) whose `optimize:` section sets mipro's preset. */
async function withPreset(program, preset) {
  const file = path.join(ROOT, "programs", `.bench-${program}-mipro-${preset}.yaml`);
  const text = await readFile(path.join(ROOT, "programs", `${program}.yaml`), "utf8");
  await writeFile(file, `${text}\noptimize:\n  mipro: { auto: ${preset} }\n`);
  return file;
}

/** One optimization in its own process and database; its report's figures, or why it failed. */
async function measure(job) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-bench-opt-"));
  const began = now();
  try {
    const args = ["optimize", job.file, "--optimizer", job.optimizer, "--seed", String(job.seed), "--json", ...job.budget.args];
    const r = await dspx(args, { DSPX_DB: path.join(dir, "dspx.db") });
    const wallMs = now() - began;
    if (r.code !== 0) return { ...job, failed: `exit ${r.code}: ${r.stderr.trim().split("\n").pop()}` };
    const rep = JSON.parse(r.stdout);
    return {
      ...job,
      baseDev: rep.baseline.dev.mean,
      baseTest: rep.baseline.test?.mean ?? NaN,
      dev: rep.best.dev.mean,
      test: rep.best.test?.mean ?? NaN,
      rollouts: rep.usage.rollouts,
      calls: rep.usage.calls,
      proposals: rep.usage.proposalCalls ?? 0,
      wallMs,
      ended: rep.ended === "budget" ? `budget (${rep.budgetReason})` : rep.doneReason ? `done (${rep.doneReason})` : "done",
      stages: rep.stages,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the jobs `JOBS` at a time, results in the jobs' order. */
async function runAll(jobs) {
  const results = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await measure(jobs[i]);
      done++;
      const r = results[i];
      process.stderr.write(`  [${done}/${jobs.length}] ${r.program} ${r.label} seed ${r.seed} ${r.budget.key}: ${r.failed ?? `test ${fmt(r.test, 3)} in ${fmt(r.wallMs / 1000, 1)} s`}\n`);
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  return results;
}

const num = (n) => n.toLocaleString("en-US");
const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
const arrow = (a, b) => `${fmt(a, 3)} → ${fmt(b, 3)}`;

/** One table row: a run, or the mean of the same configuration over the seeds. */
function row(runs) {
  const ok = runs.filter((r) => !r.failed);
  const first = runs[0];
  if (ok.length === 0) return [first.program, first.label, `failed (${first.failed})`, "", "", "", "", ""];
  const m = (f) => mean(ok.map(f));
  const range = (f) => {
    const xs = ok.map(f);
    return ok.length > 1 ? ` (${fmt(Math.min(...xs), 3)}–${fmt(Math.max(...xs), 3)})` : "";
  };
  const proposals = m((r) => r.proposals);
  return [
    first.program,
    first.label,
    arrow(m((r) => r.baseDev), m((r) => r.dev)) + range((r) => r.dev),
    arrow(m((r) => r.baseTest), m((r) => r.test)) + range((r) => r.test),
    num(Math.round(m((r) => r.rollouts))),
    `${num(Math.round(m((r) => r.calls)))}${proposals ? ` (${num(Math.round(proposals))} prop./refl.)` : ""}`,
    `${fmt(m((r) => r.wallMs) / 1000, 1)} s`,
    [...new Set(ok.map((r) => r.ended))].join("; ") + (ok.length < runs.length ? `; ${runs.length - ok.length} failed` : ""),
  ];
}

/**
 * Across programs and seeds, per configuration: the mean test score, the mean gain over the
 * baseline, the mean rank on test among the configurations of the same (program, seed, budget)
 * (ties share the better rank) and how many of those cells it is best in.
 */
function summary(results, budgets) {
  const cells = new Map();
  for (const r of results) {
    if (r.failed || r.preset || !budgets.includes(r.budget.key) || !Number.isFinite(r.test)) continue;
    const key = `${r.program}|${r.seed}|${r.budget.key}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(r);
  }
  const per = new Map(CONFIGS.map((c) => [c, { tests: [], gains: [], devGains: [], ranks: [], wins: 0 }]));
  for (const runs of cells.values()) {
    const best = Math.max(...runs.map((r) => r.test));
    for (const r of runs) {
      const s = per.get(r.optimizer);
      s.tests.push(r.test);
      s.gains.push(r.test - r.baseTest);
      s.devGains.push(r.dev - r.baseDev);
      s.ranks.push(1 + runs.filter((o) => o.test > r.test + 1e-9).length);
      if (r.test >= best - 1e-9) s.wins++;
    }
  }
  const rows = [...per.entries()]
    .filter(([, s]) => s.tests.length > 0)
    .map(([c, s]) => ({ c, s, rank: mean(s.ranks), gain: mean(s.gains) }))
    .sort((a, b) => b.gain - a.gain || a.rank - b.rank);
  return {
    rows: rows.map(({ c, s, rank, gain }) => [c, fmt(mean(s.tests), 3), `${gain >= 0 ? "+" : ""}${fmt(gain, 3)}`, `${mean(s.devGains) >= 0 ? "+" : ""}${fmt(mean(s.devGains), 3)}`, fmt(rank, 2), `${s.wins} of ${s.tests.length}`]),
    cells: cells.size,
  };
}

export async function run() {
  const jobs = [];
  for (const program of PROGRAMS) {
    const file = `programs/${program}.yaml`;
    for (const budget of BUDGETS) for (const seed of SEEDS) for (const optimizer of CONFIGS) jobs.push({ program, file, optimizer, label: optimizer, seed, budget });
  }
  const copies = [];
  if (CONFIGS.includes("mipro")) {
    for (const program of PROGRAMS) {
      for (const preset of PRESETS) {
        const file = await withPreset(program, preset);
        copies.push(file);
        jobs.push({ program, file, optimizer: "mipro", label: `mipro (${preset})`, preset, seed: SEEDS[0], budget: BUDGETS[0] });
      }
    }
  }
  console.log(`\noptimizers: ${jobs.length} runs (${PROGRAMS.length} programs × ${CONFIGS.length} configurations × ${SEEDS.length} seed(s) × 2 budgets, and mipro's medium and heavy presets at the default budget, seed ${SEEDS[0]}), ${JOBS} at a time`);
  const began = now();
  let results;
  try {
    results = await runAll(jobs);
  } finally {
    for (const f of copies) await rm(f, { force: true });
  }
  const head = ["program", "optimizer", "dev: baseline → best", "test: baseline → best", "rollouts", "LM calls", "wall", "ended"];
  const seeds = SEEDS.length > 1 ? `mean of seeds ${SEEDS.join(", ")} (range over seeds)` : `seed ${SEEDS[0]}`;
  for (const budget of BUDGETS) {
    const rows = [];
    for (const program of PROGRAMS) {
      const labels = [...new Set(results.filter((r) => r.program === program && r.budget === budget).map((r) => r.label))];
      for (const label of labels) rows.push(row(results.filter((r) => r.program === program && r.budget === budget && r.label === label)));
    }
    printTable(`Optimizers on the example programs, offline with sim, at ${budget.title}; ${seeds}`, head, rows);
  }
  // A sequence beside its stages alone: the test score (mean over seeds) of each, per program and budget.
  for (const sequence of CONFIGS.filter((c) => c.includes(","))) {
    const stages = sequence.split(",");
    const rows = [];
    for (const program of PROGRAMS) {
      for (const budget of BUDGETS) {
        const testOf = (optimizer) => {
          const runs = results.filter((r) => r.program === program && r.budget === budget && r.optimizer === optimizer && !r.preset && !r.failed);
          return runs.length > 0 ? mean(runs.map((r) => r.test)) : NaN;
        };
        const base = results.find((r) => r.program === program && !r.failed)?.baseTest ?? NaN;
        rows.push([program, budget.key, fmt(base, 3), ...stages.map((st) => fmt(testOf(st), 3)), fmt(testOf(sequence), 3)]);
      }
    }
    printTable(`${sequence} beside its stages alone: test score, ${seeds}`, ["program", "budget", "baseline", ...stages.map((st) => `${st} alone`), sequence], rows);
  }
  const sumHead = ["optimizer", "mean test", "test gain", "dev gain", "mean rank (test)", "best on test in"];
  for (const keys of [["default"], ["equal"], ["default", "equal"]]) {
    const { rows, cells } = summary(results, keys);
    printTable(`Across ${cells} (program, seed${keys.length > 1 ? ", budget" : ""}) cells at ${keys.length > 1 ? "both budgets" : BUDGETS.find((b) => b.key === keys[0]).title}: gains over the baseline, rank among the configurations (1 = best; ties share it)`, sumHead, rows);
  }
  console.log(`\n(${jobs.length} runs in ${fmt((now() - began) / 60000, 1)} min, ${JOBS} at a time, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)})`);
}
