// The baseline for the overhead benchmark: the raw openai SDK sending the same prompts dspx sends,
// at the same concurrency, with nothing around it. Run as its own process; prints one JSON line.
import OpenAI from "openai";
import { loadProgram } from "../dist/index.js";
import { chatAdapter } from "../dist/adapters/chat.js";
import { readDataset } from "../dist/program/dataset.js";

const [baseURL, datasetFile, concurrencyText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const program = await loadProgram("programs/support-triage.yaml", { lm: "sim" });
const step = program.graph.steps[0];
const signature = { inputs: step.signature.inputs, outputs: step.outputs };
const state = program.state.steps.route;
const examples = await readDataset(datasetFile, { inputs: program.spec.inputs });
const bodies = examples.map((ex) => ({
  model: "gpt-4.1-mini",
  messages: chatAdapter.render({ signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs }, { structuredOutput: false }).messages,
  temperature: 0,
  max_completion_tokens: 1024,
}));
const client = new OpenAI({ apiKey: "bench", baseURL, maxRetries: 0 });
let next = 0;
let ok = 0;
const began = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await client.chat.completions.create(body);
      if (r.choices[0].message.content) ok++;
    }
  }),
);
const ms = performance.now() - began;
console.log(JSON.stringify({ ok, ms }));
