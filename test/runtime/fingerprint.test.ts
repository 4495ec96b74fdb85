import { describe, expect, it } from "vitest";
import { loadProgram } from "../../src/runtime/load.js";
import { fingerprints } from "../../src/runtime/fingerprint.js";
import { writeProgram } from "../program/helpers.js";

// A metric tree with every kind of node that lives partly outside the spec: custom modules and
// judges, nested under `weighted` and `mean`.
const PROGRAM = `name: t
inputs:
  question: string
outputs:
  answer: solve.answer
steps:
  solve:
    signature: question -> answer
metric:
  weighted:
    - weight: 2
      metric:
        mean:
          - module: first.mjs
          - llm_judge: { field: answer, rubric: correct?, lm: sim }
    - weight: 1
      metric: { module: second.mjs }
    - weight: 1
      metric:
        llm_judge: { field: answer, rubric: short? }
`;
const FILES = {
  "first.mjs": "export default () => 1;\n",
  "second.mjs": "export default () => 0;\n",
};

describe("fingerprints: the metric part", () => {
  it("is what runs recorded before the metric walk was shared (memoized results stay valid)", async () => {
    const program = await loadProgram(writeProgram(PROGRAM, FILES), { env: {} });
    expect((await fingerprints(program)).metric).toBe("b351db4954be87132ef128530f4859631f38dc6db19d004ee1e8d4ab6662bbd4");
  });

  it("changes when a nested custom module's source changes", async () => {
    const a = await loadProgram(writeProgram(PROGRAM, FILES), { env: {} });
    const b = await loadProgram(writeProgram(PROGRAM, { ...FILES, "second.mjs": "export default () => 0.5;\n" }), { env: {} });
    expect((await fingerprints(b)).metric).not.toBe((await fingerprints(a)).metric);
  });

  it("changes when a nested judge's model changes", async () => {
    const a = await loadProgram(writeProgram(PROGRAM, FILES), { env: {} });
    const b = await loadProgram(writeProgram(PROGRAM, FILES), { env: {}, lm: "sim:other" });
    expect((await fingerprints(b)).metric).not.toBe((await fingerprints(a)).metric);
  });
});
