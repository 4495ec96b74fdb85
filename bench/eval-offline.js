// Offline `eval` throughput on the classification example with sim, and the per-example framework
// overhead (render + parse + metric), measured side by side in one run.
import { loadProgram, evaluateProgram } from "../dist/index.js";
import { chatAdapter } from "../dist/adapters/chat.js";
import { readExamples } from "../dist/program/dataset.js";
import { medianMs, now, printTable, fmt } from "./lib.js";

export async function run() {
  const file = "programs/support-triage.yaml";
  const rows = [];
  for (const [lm, label] of [["sim", "sim (no latency)"], ["sim?latency=20ms", "sim, 20 ms per call"]]) {
    const program = await loadProgram(file, { lm });
    const perConc = {};
    for (const concurrency of [1, 16]) {
      let n = 0;
      const ms = await medianMs(async () => {
        const r = await evaluateProgram(program, { dataset: "datasets/support-triage/train.jsonl", concurrency, ...(lm === "sim" ? {} : { limit: 50 }) });
        n = r.summary.done;
      }, lm === "sim" ? 5 : 1);
      perConc[concurrency] = (n / ms) * 1000;
    }
    rows.push([label, fmt(perConc[1]), fmt(perConc[16]), fmt(perConc[16] / perConc[1], 2) + "×"]);
  }
  printTable("Offline eval throughput (support-triage train split, examples/s)", ["model", "concurrency 1", "concurrency 16", "16 vs 1"], rows);

  // Framework overhead: what dspx adds around the model for one example.
  const program = await loadProgram(file, { lm: "sim" });
  const metric = await program.metric();
  const { examples } = await readExamples("datasets/support-triage/train.jsonl", { inputs: program.spec.inputs });
  const step = program.graph.steps[0];
  const signature = { inputs: step.signature.inputs, outputs: step.outputs };
  const state = program.state.steps.route;
  const completions = [];
  const lm = program.pool.clientFor(undefined);
  for (const ex of examples) {
    const { messages } = chatAdapter.render({ signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs }, { structuredOutput: false });
    const res = await lm.complete({ model: lm.id, messages, temperature: 0, maxTokens: 1024, sample: 0, meta: { purpose: "predict", step: "route", adapter: "chat", signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs } });
    completions.push(res.text);
  }
  const reps = 20;
  let t = now();
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i];
      chatAdapter.render({ signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs }, { structuredOutput: false });
      const parsed = chatAdapter.parse(signature, completions[i]);
      await metric.score(ex, parsed.values, [], program.metricContext());
    }
  }
  const frameworkUs = ((now() - t) * 1000) / (reps * examples.length);
  t = now();
  for (let r = 0; r < reps; r++) {
    for (const ex of examples) {
      const { messages } = chatAdapter.render({ signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs }, { structuredOutput: false });
      await lm.complete({ model: lm.id, messages, temperature: 0, maxTokens: 1024, sample: 0, meta: { purpose: "predict", step: "route", adapter: "chat", signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs } });
    }
  }
  const simUs = ((now() - t) * 1000) / (reps * examples.length);
  const evalMs = await medianMs(() => evaluateProgram(program, { dataset: "datasets/support-triage/train.jsonl", concurrency: 1 }), 5);
  const evalUs = (evalMs * 1000) / examples.length;
  printTable("Per-example cost, support-triage (µs per example)", ["part", "µs/example"], [
    ["framework: render + parse + metric", fmt(frameworkUs)],
    ["sim answering (render + model)", fmt(simUs)],
    ["whole eval loop at concurrency 1", fmt(evalUs)],
  ]);
}
