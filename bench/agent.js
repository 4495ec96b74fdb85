// The agent example (programs/order-agent.yaml: a react step, four TypeScript tools, one MCP
// server) offline on sim: tasks/s at concurrency 1 and 16, tool calls per task, and the framework's
// time per agent iteration apart from the model and the tools; then the optimizers on it.
import { rm } from "node:fs/promises";
import path from "node:path";
import { loadProgram, evaluateProgram } from "../dist/index.js";
import { dspx, OUT } from "./support.js";
import { fmt, medianMs, printTable } from "./lib.js";

const FILE = "programs/order-agent.yaml";
const DATA = "datasets/order-agent/train.jsonl";

export async function run() {
  await throughput();
  await optimizers();
}

async function throughput() {
  const rows = [];
  let breakdown;
  for (const [lm, label, limit] of [["sim", "sim (no latency)", undefined], ["sim?latency=20ms", "sim, 20 ms per call", 30]]) {
    // No cache and no store: every LM call and every tool call is made.
    const program = await loadProgram(FILE, { lm });
    try {
      const perConc = {};
      for (const concurrency of [1, 16]) {
        let report;
        const ms = await medianMs(async () => {
          report = await evaluateProgram(program, { dataset: DATA, concurrency, ...(limit ? { limit } : {}) });
        }, lm === "sim" ? 3 : 1);
        perConc[concurrency] = { rate: (report.summary.done / ms) * 1000, ms, report };
      }
      const s = perConc[1].report.summary;
      rows.push([label, fmt(perConc[1].rate), fmt(perConc[16].rate), `${fmt(perConc[16].rate / perConc[1].rate, 2)}×`, fmt(s.toolCalls / s.done, 2), fmt(s.calls / s.done, 2)]);
      if (lm === "sim") breakdown = split(perConc[1].report, perConc[1].ms);
    } finally {
      await program.close();
    }
  }
  printTable("Agent eval on order-agent (train split, 60 tasks), tasks/s", ["model", "concurrency 1", "concurrency 16", "16 vs 1", "tool calls/task", "LM calls/task"], rows);
  printTable("Where one agent iteration's time goes (concurrency 1, sim without latency)", ["iterations", "model (sim) per iteration", "tools per iteration", "framework per iteration", "framework share"], [
    [breakdown.iterations.toLocaleString("en-US"), `${fmt(breakdown.model, 3)} ms`, `${fmt(breakdown.tools, 3)} ms`, `${fmt(breakdown.framework, 3)} ms`, `${fmt(breakdown.share * 100, 0)}%`],
  ]);
}

/**
 * The evaluation's wall time split per agent iteration (one act call and its tool): the model's
 * share is every LM call's latency (act and extraction), the tools' their latency as the trace
 * records it, the framework the rest (rendering, parsing, the loop, the metric, the scheduler).
 */
function split(report, wallMs) {
  let model = 0;
  let tools = 0;
  let iterations = 0;
  for (const result of report.results) {
    for (const step of result.trace) {
      for (const call of step.calls) model += call.latencyMs;
      for (const it of step.trajectory ?? []) {
        iterations++;
        tools += it.toolLatencyMs ?? 0;
      }
    }
  }
  const framework = wallMs - model - tools;
  return { iterations, model: model / iterations, tools: tools / iterations, framework: framework / iterations, share: framework / wallMs };
}

const OPTIMIZERS = ["labeled", "bootstrap", "random_search", "beam", "gepa"];

async function optimizers() {
  const rows = [];
  for (const optimizer of OPTIMIZERS) {
    const db = path.join(OUT, `agent-${optimizer}.db`);
    await rm(db, { force: true });
    const r = await dspx(["optimize", FILE, "--optimizer", optimizer, "--json"], { DSPX_DB: db });
    if (r.code !== 0) {
      rows.push([optimizer, `failed (${r.code})`, "", "", "", "", ""]);
      continue;
    }
    const rep = JSON.parse(r.stdout);
    const arrow = (a, b) => (a && b ? `${fmt(a.mean, 3)} → ${fmt(b.mean, 3)}` : "–");
    const here = rep.thisProcess ?? {};
    const made = here.toolCalls ?? 0;
    const replayed = here.replayedToolCalls ?? 0;
    rows.push([
      optimizer,
      arrow(rep.baseline.dev, rep.best.dev),
      arrow(rep.baseline.test, rep.best.test),
      `${rep.usage.calls.toLocaleString("en-US")}${rep.usage.proposalCalls ? ` (${rep.usage.proposalCalls} refl.)` : ""}`,
      `${(made + replayed).toLocaleString("en-US")} (${made.toLocaleString("en-US")} run, ${replayed.toLocaleString("en-US")} replayed)`,
      `${fmt(rep.elapsedMs / 1000, 1)} s`,
      rep.ended === "budget" ? `budget (${rep.budgetReason})` : "done",
    ]);
  }
  printTable("Optimizers on order-agent, offline with sim (default settings, 2,000-call budget)", ["optimizer", "dev: baseline → best", "test: baseline → best", "LM calls", "tool calls", "wall", "ended"], rows);
}
