// Every optimizer on every example program, offline with sim: baseline → best on dev and test,
// rollouts, LM calls and wall time, each run in its own process with its own database. Then mipro's
// presets, and the optimizers again at one rollout budget for all (equal rollouts).
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { dspx, OUT, ROOT } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAMS = ["support-triage", "product-qa", "incident-triage"];
const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa", "mipro"];
const PRESETS = ["medium", "heavy"];
const EQUAL_ROLLOUTS = 1000;

/** A copy of the program beside it (data paths stay valid) whose `optimize:` section sets mipro's preset. */
async function withPreset(program, preset) {
  const file = path.join(ROOT, "programs", `.bench-${program}-mipro-${preset}.yaml`);
  const text = await readFile(path.join(ROOT, "programs", `${program}.yaml`), "utf8");
  await writeFile(file, `${text}\noptimize:\n  mipro: { auto: ${preset} }\n`);
  return file;
}

async function row(program, label, file, optimizer, extra = []) {
  const db = path.join(OUT, `opt-${program}-${label.replace(/\W+/g, "_")}.db`);
  await rm(db, { force: true });
  const r = await dspx(["optimize", file, "--optimizer", optimizer, "--json", ...extra], { DSPX_DB: db });
  if (r.code !== 0) return [program, label, `failed (${r.code})`, "", "", "", "", ""];
  const rep = JSON.parse(r.stdout);
  const arrow = (a, b) => (a && b ? `${fmt(a.mean, 3)} → ${fmt(b.mean, 3)}` : "–");
  return [
    program,
    label,
    arrow(rep.baseline.dev, rep.best.dev),
    arrow(rep.baseline.test, rep.best.test),
    rep.usage.rollouts.toLocaleString("en-US"),
    `${rep.usage.calls.toLocaleString("en-US")}${rep.usage.proposalCalls ? ` (${rep.usage.proposalCalls} refl.)` : ""}`,
    `${fmt(rep.elapsedMs / 1000, 1)} s`,
    rep.ended === "budget" ? `budget (${rep.budgetReason})` : "done",
  ];
}

export async function run() {
  const head = ["program", "optimizer", "dev: baseline → best", "test: baseline → best", "rollouts", "LM calls", "wall", "ended"];
  const rows = [];
  const equal = [];
  for (const program of PROGRAMS) {
    const file = `programs/${program}.yaml`;
    for (const optimizer of OPTIMIZERS) rows.push(await row(program, optimizer === "mipro" ? "mipro (light)" : optimizer, file, optimizer));
    for (const preset of PRESETS) {
      const copy = await withPreset(program, preset);
      try {
        rows.push(await row(program, `mipro (${preset})`, copy, "mipro"));
      } finally {
        await rm(copy, { force: true });
      }
    }
    for (const optimizer of OPTIMIZERS) equal.push(await row(program, optimizer, file, optimizer, ["--budget-rollouts", String(EQUAL_ROLLOUTS)]));
  }
  printTable("Optimizers on the example programs, offline with sim (default settings, 2,000-call budget)", head, rows);
  printTable(`The same at an equal budget of ${EQUAL_ROLLOUTS.toLocaleString("en-US")} rollouts (no call limit)`, head, equal);
}
