// Using dspx from code: load a program (yours or an exported, optimized one), run it, score it.
// Run from the repository root:  node examples/library.mjs
import { evaluate, loadProgram } from "dspx";

const triage = await loadProgram("programs/support-triage.yaml", {
  // No key in the environment → the offline `sim` model; say so instead of printing.
  onNotice: (message) => console.error(`note: ${message}`),
});

const { team, urgency } = await triage.run({ message: "I was charged twice for my Plus plan this month" });
console.log(`routed to ${team} (${urgency})`);

const report = await evaluate(triage, { split: "dev", concurrency: 16 });
const [lo, hi] = report.summary.ci95;
console.log(`dev score ${report.summary.mean.toFixed(3)} (95% CI ${lo.toFixed(3)}–${hi.toFixed(3)}) over ${report.summary.done} examples`);
