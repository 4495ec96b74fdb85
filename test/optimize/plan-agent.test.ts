import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runShape } from "../../src/optimize/plan.js";
import type { Example } from "../../src/program/example.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { tempDir } from "./bootstrap-helpers.js";

/** A program with one plain LM step and one agent step (`max_iters` as given) over a module tool. */
async function agentProgram(maxIters?: number): Promise<Program> {
  const dir = tempDir("dspx-plan-agent-");
  writeFileSync(
    path.join(dir, "tools.ts"),
    `export const lookup = { description: "Look an order up.", parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] }, run: () => "ok" };\n`,
  );
  writeFileSync(
    path.join(dir, "program.yaml"),
    `name: plan-agent
inputs:
  question: { type: string }
outputs:
  answer: agent.answer
tools:
  lookup: { module: ./tools.ts, export: lookup }
steps:
  rephrase:
    module: predict
    signature: "question -> query"
  agent:
    module: react
    signature: "query -> answer"
    tools: [lookup]
${maxIters === undefined ? "" : `    max_iters: ${maxIters}\n`}metric:
  exact_match: answer
`,
  );
  const program = await loadProgram(path.join(dir, "program.yaml"), { lm: "sim", onNotice: () => {} });
  opened.push(program);
  return program;
}

const opened: Program[] = [];
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
});

const examples = (n: number): Example[] => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, inputs: { question: `q${i}` }, labels: { answer: "a" } }));

describe("the run plan of a program with an agent step", () => {
  it("counts the agent's iterations and extraction, not one call, when it keeps calls back for the test evaluation", async () => {
    // predict: 1; react with max_iters 6: 6 / 2 + 1 = 4.
    const shape = runShape(await agentProgram(), { train: examples(4), dev: examples(3), test: examples(10) });
    expect(shape.callsPerExample).toBe(5);
    expect(shape.reserve).toBe(2 * 10 * 5);
    expect(runShape(await agentProgram(3), { train: examples(4), dev: examples(3), test: examples(10) }).callsPerExample).toBe(1 + 3);
  });
});
