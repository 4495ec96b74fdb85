import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMetric } from "../../src/metrics/build.js";
import type { MetricSpec } from "../../src/program/types.js";
import { UserError } from "../../src/util/errors.js";
import { loadProgram } from "../../src/runtime/load.js";
import { build, example, NO_LM, PROGRAM_FILE } from "./helpers.js";

/** Errors name the program file as the user would type it: relative to the working directory. */
const SHOWN_PROGRAM_FILE = relative(process.cwd(), PROGRAM_FILE);

function spec(module: string, name = "default"): MetricSpec {
  return { kind: "custom", module, export: name };
}

async function run(s: MetricSpec, labels: Record<string, unknown>, prediction: Record<string, unknown>) {
  const metric = await build(s);
  return metric.score(example(labels), prediction, [], NO_LM);
}

async function buildError(s: MetricSpec, dir?: string): Promise<UserError> {
  const options = dir ? { programDir: dir, programFile: join(dir, "program.yaml") } : undefined;
  const err = await (options ? buildMetric(s, options) : build(s)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe("custom metric in TypeScript", () => {
  it("loads the default export and scores a number return", async () => {
    const metric = await build(spec("./metric.ts"));
    expect(metric.name).toBe("custom(./metric.ts)");
    expect(metric.labels).toEqual([]);
    expect(await run(spec("./metric.ts"), { team: "billing" }, { team: "billing" })).toEqual({ score: 1 });
    expect(await run(spec("./metric.ts"), { team: "billing" }, { team: "other" })).toEqual({ score: 0 });
  });

  it("passes through { score, feedback }", async () => {
    const s = spec("./metric.ts", "withFeedback");
    expect((await build(s)).name).toBe("custom(./metric.ts#withFeedback)");
    expect(await run(s, { team: "billing" }, { team: "other" })).toEqual({ score: 0, feedback: "wanted billing for ex1" });
  });

  it("awaits async metrics", async () => {
    expect(await run(spec("./metric.ts", "asyncScore"), {}, {})).toEqual({ score: 0.25 });
  });

  it("reads booleans as 1 and 0", async () => {
    expect(await run(spec("./metric.ts", "passed"), {}, {})).toEqual({ score: 1 });
  });

  it("sees the flat example record, the prediction and the trace", async () => {
    const metric = await build(spec("./metric.ts", "sawExample"));
    const trace = [{ step: "route", module: "predict", inputs: {}, calls: [], latencyMs: 1 }];
    const r = await metric.score(example({ team: "x" }, { message: "hi" }, "row-3"), {}, trace, NO_LM);
    expect(r.feedback).toBe("id=row-3 message=hi steps=1");
  });

  it("lets exceptions from user code propagate unchanged", async () => {
    await expect(run(spec("./metric.ts", "throws"), {}, {})).rejects.toThrow("boom from user code");
  });

  it("rejects malformed returns at score time", async () => {
    await expect(run(spec("./metric.ts", "badReturn"), {}, {})).rejects.toThrow(
      'metric ./metric.ts#badReturn returned "great"; expected a number or { score: number, feedback?: string }',
    );
    await expect(run(spec("./metric.ts", "nanScore"), {}, {})).rejects.toThrow("returned a score of NaN");
    await expect(run(spec("./metric.ts", "badFeedback"), {}, {})).rejects.toThrow("feedback that is a number");
  });

  it("suggests a close export name", async () => {
    const err = await buildError(spec("./metric.ts", "withFeedbak"));
    expect(err.message).toContain(SHOWN_PROGRAM_FILE);
    expect(err.message).toContain("./metric.ts");
    expect(err.message).toContain("no export named `withFeedbak`");
    expect(err.message).toContain("did you mean `withFeedback`?");
  });

  it("lists the exports when no name is close", async () => {
    const err = await buildError(spec("./metric.ts", "zzzzzzzzzzzz"));
    expect(err.problems[0]!.hint).toMatch(/^it exports: .*asyncScore/);
  });

  it("rejects an export that is not a function", async () => {
    const err = await buildError(spec("./metric.ts", "notAFunction"));
    expect(err.message).toContain("export `notAFunction` is a number; expected a function");
  });
});

describe("custom metric in JavaScript", () => {
  it("loads ESM", async () => {
    expect(await run(spec("./metric.js"), { answer: "a" }, { answer: "a" })).toEqual({ score: 1, feedback: "checked by metric.js" });
    expect(await run(spec("./metric.js", "half"), {}, {})).toEqual({ score: 0.5 });
  });

  it("loads CommonJS", async () => {
    expect(await run(spec("./metric.cjs"), { answer: "a" }, { answer: "a" })).toEqual({ score: 1 });
    expect(await run(spec("./metric.cjs", "lengthScore"), {}, { answer: "abcde" })).toEqual({ score: 0.5 });
  });

  it("reports a missing default export", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dspx-metric-"));
    try {
      await writeFile(join(dir, "named.mjs"), "export function score() { return 1; }\n");
      const err = await buildError(spec("./named.mjs"), dir);
      expect(err.message).toContain("no default export");
      expect(err.problems[0]!.hint).toBe("it exports: score");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("custom metric modules that cannot be used", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dspx-metric-"));
    await writeFile(join(dir, "broken.ts"), "export default function (: number {\n");
    await writeFile(join(dir, "broken.mjs"), "export default function ( {\n");
    await writeFile(join(dir, "throws-on-load.mjs"), 'throw new Error("cannot start");\n');
    // No package.json here: tsx compiles this file as CommonJS, which must still expose `default`.
    await writeFile(join(dir, "commonjs.ts"), "export default (): number => 0.75;\nexport const other = (): number => 0;\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reports a missing file", async () => {
    const err = await buildError(spec("./nope.ts"));
    expect(err.message).toContain(SHOWN_PROGRAM_FILE);
    expect(err.message).toContain("metric module ./nope.ts: file not found");
  });

  it("reports a bad module at the line and column where the program file names it, inside composites too", async () => {
    const program = join(dir, "positions.yaml");
    await writeFile(
      program,
      [
        "name: positions",
        "inputs: { message: string }",
        "outputs: { team: route.team }",
        "steps:",
        "  route:",
        '    signature: "message -> team: enum(a, b)"',
        "metric:",
        "  mean:",
        "    - exact_match: team",
        "    - { module: ./nope.ts }",
        "",
      ].join("\n"),
    );
    const loaded = await loadProgram(program, { lm: "sim" });
    const err = await loaded.metric().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems).toEqual([
      {
        message: `metric module ./nope.ts: file not found (looked for ${relative(process.cwd(), join(dir, "nope.ts"))})`,
        pos: { file: relative(process.cwd(), program), line: 10, col: 17 },
        hint: "paths are relative to the program file",
      },
    ]);
  });

  it("reports an unsupported extension", async () => {
    const err = await buildError(spec("./metric.py"));
    expect(err.message).toContain("expected a .ts, .mts, .cts, .js, .mjs, .cjs file");
  });

  it.each(["broken.ts", "broken.mjs", "throws-on-load.mjs"])("reports %s failing to load", async (file) => {
    const err = await buildError(spec(`./${file}`), dir);
    expect(err.message).toContain(relative(process.cwd(), join(dir, "program.yaml")));
    expect(err.message).toContain(`metric module ./${file}: could not be loaded:`);
  });

  it("says where a TypeScript syntax error is (tsx's message)", async () => {
    const err = await buildError(spec("./broken.ts"), dir);
    expect(err.message).toMatch(/could not be loaded: .*broken\.ts:1:\d+: ERROR: /);
  });

  it("unwraps a TypeScript module compiled as CommonJS", async () => {
    const metric = await buildMetric(spec("./commonjs.ts"), { programDir: dir, programFile: join(dir, "program.yaml") });
    expect(await metric.score(example({}), {}, [], NO_LM)).toEqual({ score: 0.75 });
    const named = await buildMetric(spec("./commonjs.ts", "other"), { programDir: dir, programFile: join(dir, "program.yaml") });
    expect(await named.score(example({}), {}, [], NO_LM)).toEqual({ score: 0 });
  });
});
