// The baseline for the overhead benchmark: the raw openai SDK sending the same prompts dspx sends,
// at the same concurrency, with nothing around it. Run as its own process; prints one JSON line.
// `render <dataset> <out.json>` writes the request bodies once, so that the timed process
// (`<baseURL> <bodies.json> <concurrency>`) loads only the SDK: its whole-process time is the
// raw client's, not dspx's library loading.
import { readFile, writeFile } from "node:fs/promises";
import OpenAI from "openai";

const args = process.argv.slice(2);
if (args[0] === "render") {
  const [, datasetFile, out] = args;
  const { loadProgram } = await import("../dist/index.js");
  const { chatAdapter } = await import("../dist/adapters/chat.js");
  const { readExamples } = await import("../dist/program/dataset.js");
  const program = await loadProgram("programs/support-triage.yaml", { lm: "sim" });
  const step = program.graph.steps[0];
  const signature = { inputs: step.signature.inputs, outputs: step.outputs };
  const state = program.state.steps.route;
  const { examples } = await readExamples(datasetFile, { inputs: program.spec.inputs });
  const bodies = examples.map((ex) => ({
    model: "gpt-4.1-mini",
    messages: chatAdapter.render({ signature, instruction: state.instruction, demos: state.demos, inputs: ex.inputs }, { structuredOutput: false }).messages,
    temperature: 0,
    max_completion_tokens: 1024,
  }));
  await writeFile(out, JSON.stringify(bodies));
} else {
  const [baseURL, bodiesFile, concurrencyText] = args;
  const concurrency = Number(concurrencyText);
  const bodies = JSON.parse(await readFile(bodiesFile, "utf8"));
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
}
