// Every optimizer on every example program, offline with sim: baseline → best on dev and test,
// rollouts, LM calls and wall time, each run in its own process with its own database.
import { rm } from "node:fs/promises";
import path from "node:path";
import { dspx, OUT } from "./support.js";
import { fmt, printTable } from "./lib.js";

const PROGRAMS = ["support-triage", "product-qa", "incident-triage"];
const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa"];

export async function run() {
  const rows = [];
  for (const program of PROGRAMS) {
    for (const optimizer of OPTIMIZERS) {
      const db = path.join(OUT, `opt-${program}-${optimizer}.db`);
      await rm(db, { force: true });
      const r = await dspx(["optimize", `programs/${program}.yaml`, "--optimizer", optimizer, "--json"], { DSPX_DB: db });
      if (r.code !== 0) {
        rows.push([program, optimizer, `failed (${r.code})`, "", "", "", "", ""]);
        continue;
      }
      const rep = JSON.parse(r.stdout);
      const arrow = (a, b) => (a && b ? `${fmt(a.mean, 3)} → ${fmt(b.mean, 3)}` : "–");
      rows.push([
        program,
        optimizer,
        arrow(rep.baseline.dev, rep.best.dev),
        arrow(rep.baseline.test, rep.best.test),
        rep.usage.rollouts.toLocaleString("en-US"),
        `${rep.usage.calls.toLocaleString("en-US")}${rep.usage.proposalCalls ? ` (${rep.usage.proposalCalls} refl.)` : ""}`,
        `${fmt(rep.elapsedMs / 1000, 1)} s`,
        rep.ended === "budget" ? `budget (${rep.budgetReason})` : "done",
      ]);
    }
  }
  printTable("Optimizers on the example programs, offline with sim (default settings, 2,000-call budget)", ["program", "optimizer", "dev: baseline → best", "test: baseline → best", "rollouts", "LM calls", "wall", "ended"], rows);
}
