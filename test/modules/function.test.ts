import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateProgram } from "../../src/evaluate/program.js";
import { loadGraph } from "../../src/graph/load.js";
import { loadProgram } from "../../src/runtime/load.js";
import { InterruptedError, UserError } from "../../src/util/errors.js";
import { programDir, STEPS, writeProgram } from "../tools/helpers.js";

const program = (fn: string, signature = "n: integer -> doubled: number", extra = "") => `name: f
inputs: { n: integer }
outputs: { doubled: twice.doubled }
steps:
  twice:
    module: function
    function: { module: ${STEPS}, export: ${fn} }
    signature: "${signature}"
${extra}metric: { numeric: doubled }
`;

describe("a function step", () => {
  it("runs the user's function on the step's inputs; its outputs are coerced like an LM's (\"6\" → 6); it is no LM step", async () => {
    const p = await loadProgram(await writeProgram(await programDir(), program("double")));
    expect(p.graph.lmSteps).toEqual([]);
    expect(await p.run({ n: 3 })).toEqual({ doubled: 6 });
  });

  it("can be async, gets its step's name in the context, and can stand after an LM step or before one", async () => {
    const dir = await programDir();
    const file = await writeProgram(
      dir,
      `name: g
inputs: { text: string }
outputs: { answer: answer.answer, step: shout.step }
steps:
  shout:
    module: function
    function: { module: ${STEPS}, export: asyncUpper }
    signature: "text -> upper, step"
  answer:
    signature: "upper -> answer"
metric: { exact_match: answer }
`,
    );
    const p = await loadProgram(file, { lm: "sim" });
    const prediction = await p.predict({ text: "where is my parcel" });
    expect(prediction.trace.map((t) => [t.step, t.module])).toEqual([["shout", "function"], ["answer", "predict"]]);
    expect(prediction.trace[0]!.outputs).toEqual({ upper: "WHERE IS MY PARCEL", step: "shout" });
    expect(prediction.outputs.step).toBe("shout");
  });

  it.each([
    ["wrongType", "returned outputs that do not fit the signature: field `doubled`: expected a number, got \"not a number\""],
    ["missingField", "returned outputs that do not fit the signature: missing field `doubled`"],
    ["notAMapping", "returned a string (text); expected a mapping of the outputs: doubled"],
  ])("fails the example, naming the field, when %s's outputs do not fit the signature", async (fn, message) => {
    const p = await loadProgram(await writeProgram(await programDir(), program(fn)));
    await expect(p.run({ n: 1 })).rejects.toThrow(message);
  });

  it("records an exception as that example's error, and the run goes on", async () => {
    const dir = await programDir();
    const dataset = path.join(dir, "dev.jsonl");
    await writeFile(dataset, [1, 2, 3].map((n) => JSON.stringify({ n, doubled: n * 2 })).join("\n") + "\n");
    const p = await loadProgram(await writeProgram(dir, program("throws")));
    const report = await evaluateProgram(p, { dataset, concurrency: 1 });
    expect(report.results.map((r) => [r.score, r.error?.message ?? null])).toEqual([
      [1, null],
      [0, "step twice: two is not allowed"],
      [1, null],
    ]);
  });

  it("is refused at its `function` option when the export is missing or not a function", async () => {
    const problems = async (fn: string) => {
      const err = await loadGraph(await writeProgram(await programDir(), program(fn))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      return (err as UserError).problems.map((p) => `${p.pos?.line}:${p.pos?.col} ${p.message}`);
    };
    expect(await problems("doubel")).toEqual([expect.stringMatching(/^7:15 `steps.twice.function`: module .*steps.ts: no export named `doubel`; expected a function \(inputs, context\) => outputs \(did you mean `double`\?\)$/)]);
  });

  describe("and its signal", () => {
    const g = globalThis as { __stepStarted?: () => void; __stepSawAbort?: boolean };
    const startedThenAbort = (controller: AbortController) => {
      g.__stepSawAbort = false;
      g.__stepStarted = () => controller.abort();
    };

    it("hands the code a signal in its context, live when nothing stops the run", async () => {
      const p = await loadProgram(await writeProgram(await programDir(), program("seesSignal")));
      expect(await p.run({ n: 1 })).toEqual({ doubled: 1 });
    });

    it("aborts the code's signal when the run is aborted, and ends the example as interrupted", async () => {
      const p = await loadProgram(await writeProgram(await programDir(), program("waitsForAbort")));
      const controller = new AbortController();
      startedThenAbort(controller);
      await expect(p.run({ n: 1 }, { signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
      expect(g.__stepSawAbort).toBe(true);
    });

    it("does not wait for code that ignores its signal", async () => {
      const p = await loadProgram(await writeProgram(await programDir(), program("ignoresAbort")));
      const controller = new AbortController();
      startedThenAbort(controller);
      await expect(p.run({ n: 1 }, { signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    });
  });
});

