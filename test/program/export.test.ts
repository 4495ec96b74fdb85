import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import { buildMetric } from "../../src/metrics/build.js";
import { exportProgram, provenanceComment, type ExportOptions } from "../../src/program/export.js";
import { programPaths, relocatePath, relocatePaths } from "../../src/program/relocate.js";
import { initialState, stateHash, type ProgramState } from "../../src/program/state.js";
import type { MetricSpec } from "../../src/program/types.js";
import type { FieldType } from "../../src/signature/types.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "./helpers.js";

const EXAMPLES = ["support-triage", "product-qa", "incident-triage"].map((name) => path.resolve(`programs/${name}.yaml`));
const KITCHEN_SINK = path.resolve("test/program/fixtures/export/kitchen-sink/program.yaml");

const PROVENANCE = { runId: "run-7", candidate: "3f2a9c1b7e", score: 0.87312, optimizer: "gepa", exportedAt: "2025-06-01T12:00:00.000Z" };

/** Strings that break naive YAML writers: quotes, colons, `#`, unicode, line breaks, YAML-looking text. */
const TRICKY = [
  'He said: "refund #42, please" — now!',
  "Ünïcödé ✓ 日本語 🚀 café",
  "line one\nline two: with a colon\n# not a comment\n  an indented line",
  "- looks like a list item",
  "yes",
  "'single' and \"double\" quotes: {braces} [brackets] & *star ! %pct @at `tick`",
  "null",
  "0.10",
];

function valueFor(type: FieldType, i: number): unknown {
  switch (type.kind) {
    case "string":
      return TRICKY[i % TRICKY.length];
    case "enum":
      return type.options[i % type.options.length];
    case "boolean":
      return i % 2 === 0;
    case "number":
      return [0.25, -3, 1e-7, 12345.678][i % 4];
    case "integer":
      return [0, 7, -42][i % 3];
    case "list":
      return [valueFor(type.item, i), valueFor(type.item, i + 3)];
    case "json":
      return { nested: { "key: with colon": [1, "two", null, true] }, "#": "hash" };
  }
}

/** Multi-line instructions with cue lines and three demos per LM step, every field filled. */
function richState(graph: Graph): ProgramState {
  const steps: ProgramState["steps"] = {};
  for (const name of graph.lmSteps) {
    const step = graph.steps.find((s) => s.name === name)!;
    const fields = [...step.signature.inputs, ...step.outputs];
    const demos = [0, 1, 2].map((d) => {
      // Keys deliberately out of signature order: the export sorts them.
      const demo: Record<string, unknown> = {};
      fields.forEach((f, j) => (demo[f.name] = valueFor(f.type, d * 3 + j)));
      return Object.fromEntries(Object.entries(demo).reverse());
    });
    steps[name] = {
      instruction: `Handle the ${name} step carefully.\n- billing: invoice, refund, charged twice\n- security: "hacked", password #reset\n\nKeep it short: ünïcödé ✓ — {no: braces}`,
      demos,
    };
  }
  return { steps };
}

function exportTo(source: string, dir: string, format: "yaml" | "json", state: ProgramState, extra: Partial<ExportOptions> = {}): { file: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(source).replace(/\.ya?ml$/, "")}.${format === "yaml" ? "yaml" : "json"}`);
  const text = exportProgram({ source: readFileSync(source, "utf8"), sourceFile: source, state, targetFile: file, format, ...extra });
  writeFileSync(file, text);
  return { file, text };
}

/** Resolves custom metric modules to absolute paths, so specs from different folders compare. */
function absMetric(metric: MetricSpec, dir: string): MetricSpec {
  switch (metric.kind) {
    case "custom":
      return { ...metric, module: path.resolve(dir, metric.module) };
    case "mean":
      return { kind: "mean", metrics: metric.metrics.map((m) => absMetric(m, dir)) };
    case "weighted":
      return { kind: "weighted", metrics: metric.metrics.map((m) => ({ weight: m.weight, metric: absMetric(m.metric, dir) })) };
    default:
      return metric;
  }
}

/** What a program means, independent of where its file is and how it is laid out. */
function meaning(graph: Graph) {
  const { spec } = graph;
  return {
    name: spec.name,
    description: spec.description,
    lm: spec.lm,
    inputs: spec.inputs,
    outputs: spec.outputs.map(({ name, ref }) => ({ name, ref })),
    steps: spec.steps.map((s) => ({
      name: s.name,
      module: s.module,
      signature: s.signature,
      instruction: s.instruction,
      demos: s.demos,
      wiring: s.wiring,
      lm: s.lm,
      options: typeof s.options.corpus === "string" ? { ...s.options, corpus: path.resolve(spec.dir, s.options.corpus) } : s.options,
    })),
    metric: absMetric(spec.metric, spec.dir),
    data: spec.data,
    lmSteps: graph.lmSteps,
  };
}

function commentLines(text: string): string[] {
  return text.split("\n").filter((l) => /^\s*#/.test(l));
}

describe("exportProgram round trip on the example programs", () => {
  for (const source of EXAMPLES) {
    const name = path.basename(source, ".yaml");
    for (const format of ["yaml", "json"] as const) {
      it(`${name} as ${format}: loads from another folder with the state written in`, async () => {
        const original = await loadGraph(source);
        const state = richState(original);
        const { file, text } = exportTo(source, path.join(tempDir(), "exports", "deeper"), format, state, { provenance: PROVENANCE });

        const exported = await loadGraph(file);
        expect(initialState(exported.spec, exported.lmSteps)).toEqual(state);
        expect(stateHash(initialState(exported.spec, exported.lmSteps))).toBe(stateHash(state));
        // Same files from the new folder: datasets and the retrieve corpus.
        expect(exported.spec.data).toEqual(original.spec.data);
        expect(Object.keys(exported.spec.data).length).toBeGreaterThan(0);
        for (const step of original.spec.steps) {
          if (typeof step.options.corpus !== "string") continue;
          const moved = exported.spec.steps.find((s) => s.name === step.name)!.options.corpus as string;
          expect(moved).not.toBe(step.options.corpus);
          expect(path.resolve(exported.spec.dir, moved)).toBe(path.resolve(original.spec.dir, step.options.corpus));
        }
        // Only the state changed.
        const { steps: a, ...restA } = meaning(exported);
        const { steps: b, ...restB } = meaning(original);
        expect(restA).toEqual(restB);
        expect(a.map(({ instruction: _i, demos: _d, ...s }) => s)).toEqual(b.map(({ instruction: _i, demos: _d, ...s }) => s));

        const src = readFileSync(source, "utf8");
        if (format === "yaml") {
          expect(text.split("\n")[0]).toBe(provenanceComment(PROVENANCE));
          for (const line of commentLines(src)) expect(text).toContain(line);
          // Edited as text: the folded description is not reflowed.
          expect(text).toContain(src.slice(src.indexOf("description:"), src.indexOf("\ninputs:")));
          // Multi-line instructions are literal blocks; demos are block sequences of mappings.
          expect(text).toMatch(/\n {4}instruction: \|-\n {6}Handle the \w+ step carefully\.\n {6}- billing: invoice, refund, charged twice\n/);
          expect(text).toMatch(/\n {4}demos:\n {6}- /);
        } else {
          const json = JSON.parse(text) as Record<string, unknown>;
          // No provenance key: the schema has none, and the file must load as a program.
          expect(Object.keys(json)).toEqual(Object.keys(original.spec.raw));
          expect(text).toBe(`${JSON.stringify(json, null, 2)}\n`);
        }
      });
    }

    it(`${name}: exporting the original state to the same folder gives back the file`, async () => {
      const original = await loadGraph(source);
      const src = readFileSync(source, "utf8");
      const out = exportProgram({ source: src, sourceFile: source, state: initialState(original.spec, original.lmSteps), targetFile: path.join(path.dirname(source), "copy.yaml"), format: "yaml" });
      expect(out).toBe(src);
    });

    for (const format of ["yaml", "json"] as const) {
      it(`${name} as ${format}: exporting the original state elsewhere loads to the same program`, async () => {
        const original = await loadGraph(source);
        const { file } = exportTo(source, tempDir(), format, initialState(original.spec, original.lmSteps));
        expect(meaning(await loadGraph(file))).toEqual(meaning(original));
      });
    }
  }
});

describe("exportProgram keeps what the user wrote", () => {
  async function kitchenExport(format: "yaml" | "json", dir = path.join(tempDir(), "a", "b")) {
    const original = await loadGraph(KITCHEN_SINK);
    const state = richState(original);
    const { file, text } = exportTo(KITCHEN_SINK, dir, format, state, { provenance: PROVENANCE });
    return { original, state, file, text };
  }

  it("edits only the state's pairs and the paths; everything else is byte for byte", async () => {
    const { file, text } = await kitchenExport("yaml");
    const rel = (p: string) => relocatePath(p, path.dirname(KITCHEN_SINK), path.dirname(file));
    const src = readFileSync(KITCHEN_SINK, "utf8");
    for (const line of commentLines(src)) expect(text).toContain(line);
    // A folded scalar, a flow mapping, blank lines: untouched.
    expect(text).toContain(src.slice(src.indexOf("description:"), src.indexOf("steps:")));
    // The replaced instruction keeps its trailing comment, on the block header.
    expect(text).toContain("    instruction: |-   # tuned by hand\n      Handle the answer step carefully.\n");
    // The one-line flow step becomes a block (it cannot hold block scalars) and keeps its comment.
    expect(text).toMatch(/\n {2}judge: {3}# one line\n {4}module: predict\n {4}signature: "question, answer -> verdict: enum\(good, bad\), ok: boolean"\n {4}instruction: \|-\n/);
    // Paths keep their quoting; flow metric items stay flow.
    expect(rel("./corpus.jsonl")).toMatch(/^(\.\.\/)+.*\/kitchen-sink\/corpus\.jsonl$/);
    expect(text).toContain(`    corpus: ${rel("./corpus.jsonl")}   # relative, with ./\n`);
    expect(text).toContain(`          - module: ${rel("metrics/tone.js")}   # nested in a mean inside a weighted item\n`);
    expect(text).toContain(`    - { weight: 1, metric: { module: '${rel("./metrics/length.mjs")}', export: lengthScore } }\n`);
    expect(text).toContain(`  train: ${rel("data/train.jsonl")}\n  dev: "${rel("./data/dev.jsonl")}"\n`);
    expect(text.match(/# one line/g)).toHaveLength(1);
    expect(text).toContain("  verdict: judge.verdict\n\nsteps:\n");
  });

  it("writes demo keys in the signature's order (inputs, reasoning, outputs)", async () => {
    const { text } = await kitchenExport("yaml");
    const demos = text.slice(text.indexOf("    demos:\n"), text.indexOf("    temperature: 0.3"));
    const keys = demos
      .split("\n")
      .map((l) => /^ {6}[- ] ([a-z]+):/.exec(l)?.[1])
      .filter((k): k is string => k !== undefined);
    expect(keys).toEqual(Array.from({ length: 3 }, () => ["question", "passages", "reasoning", "answer", "confidence"]).flat());
  });

  for (const format of ["yaml", "json"] as const) {
    it(`as ${format}: loads, with every path (custom metric modules too) resolving to the same files`, async () => {
      const { original, state, file } = await kitchenExport(format);
      const exported = await loadGraph(file);
      expect(initialState(exported.spec, exported.lmSteps)).toEqual(state);
      const { steps: a, ...restA } = meaning(exported);
      const { steps: b, ...restB } = meaning(original);
      expect(restA).toEqual(restB);
      expect(a.map((s) => s.options)).toEqual(b.map((s) => s.options));
      // The metric modules really load from the new folder.
      const metric = await buildMetric(exported.spec.metric, { programDir: exported.spec.dir, programFile: exported.spec.file });
      const example = { id: "e1", inputs: { question: "q?" }, labels: { answer: "short answer", verdict: "good" } };
      const result = await metric.score(example, { answer: "short answer", verdict: "good" }, [], { lm: () => { throw new Error("no LM"); } });
      expect(result.score).toBe(1);
    });
  }

  it("adds `instruction:` after the signature and `demos:` after it when the step has neither", async () => {
    const dir = tempDir();
    const source = path.join(dir, "p.yaml");
    writeFileSync(
      source,
      [
        "name: p",
        "inputs: { q: string }",
        "outputs: { a: s.a }",
        "steps:",
        "  s:",
        "    module: predict",
        '    signature: "q -> a: integer"   # the step',
        "    temperature: 0", // no newline at the end of the file either
        "metric: { exact_match: a }",
      ].join("\n"),
    );
    const state: ProgramState = { steps: { s: { instruction: "Count.", demos: [{ a: 3, q: "how many: 1, 2, 3?" }] } } };
    const out = exportProgram({ source: readFileSync(source, "utf8"), sourceFile: source, state, targetFile: source, format: "yaml" });
    expect(out).toContain(
      '    signature: "q -> a: integer"   # the step\n    instruction: Count.\n    demos:\n      - q: "how many: 1, 2, 3?"\n        a: 3\n    temperature: 0\n',
    );
    writeFileSync(source, out);
    const graph = await loadGraph(source);
    expect(initialState(graph.spec, graph.lmSteps)).toEqual(state);
  });

  it("replaces values however they were laid out, keeping their comments, and keeps CRLF line breaks", () => {
    const source = [
      "steps:",
      "  s:",
      '    signature: "q -> a"',
      "    instruction:",
      "      An old instruction on the next line",
      "    demos:   # hand-written",
      "    - q: x",
      "      a: y",
      "    temperature: 0",
      "  t:",
      '    signature: "q -> b"',
      "    instruction: | # header comment",
      "      a block",
      "      of text",
      "    k: 1",
      "",
    ].join("\n");
    const state: ProgramState = {
      steps: { s: { instruction: "New.", demos: [{ a: "w\nv", q: "z" }] }, t: { instruction: "One line: with a colon #hash", demos: [] } },
    };
    const expected = [
      "steps:",
      "  s:",
      '    signature: "q -> a"',
      "    instruction: New.",
      "    demos:   # hand-written",
      "      - q: z",
      "        a: |-",
      "          w",
      "          v",
      "    temperature: 0",
      "  t:",
      '    signature: "q -> b"',
      '    instruction: "One line: with a colon #hash" # header comment',
      "    k: 1",
      "",
    ].join("\n");
    const opts = { sourceFile: "/w/p.yaml", targetFile: "/w/q.yaml", format: "yaml" as const, state };
    expect(exportProgram({ ...opts, source })).toBe(expected);
    const crlf = (t: string) => t.replace(/\n/g, "\r\n");
    expect(exportProgram({ ...opts, source: crlf(source), provenance: PROVENANCE })).toBe(crlf(`${provenanceComment(PROVENANCE)}\n\n${expected}`));
  });

  it("clears demos the state does not have, and leaves steps outside the state as they are", async () => {
    const original = await loadGraph(KITCHEN_SINK);
    const state: ProgramState = { steps: { answer: { instruction: "Answer from the passages.", demos: [] } } };
    const { file, text } = exportTo(KITCHEN_SINK, tempDir(), "yaml", state);
    expect(text).toContain("    instruction: Answer from the passages.   # tuned by hand\n    demos: []\n    temperature: 0.3\n");
    expect(text).toContain('  judge: { module: predict, signature: "question, answer -> verdict: enum(good, bad), ok: boolean" }   # one line\n');
    const exported = await loadGraph(file);
    expect(initialState(exported.spec, exported.lmSteps)).toEqual({ steps: { ...initialState(original.spec, original.lmSteps).steps, answer: state.steps.answer } });
  });

  it("edits the parsed document when the layout is beyond text edits (flow `steps:`), comments kept", async () => {
    const dir = tempDir();
    const source = path.join(dir, "flow.yaml");
    writeFileSync(
      source,
      [
        "# a compact program",
        "name: flow",
        "inputs: { message: string }",
        "outputs: { team: route.team }",
        "steps: { route: { signature: 'message -> team: enum(billing, other)', instruction: Route it. } }",
        "metric: { exact_match: team }   # the metric",
        "data: { train: train.jsonl }",
        "",
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "train.jsonl"), '{"message": "refund", "team": "billing"}\n');
    const state: ProgramState = {
      steps: { route: { instruction: "Route it.\n- billing: invoice, refund", demos: [{ message: "charged twice: #12\nhelp", team: "billing" }] } },
    };
    for (const format of ["yaml", "json"] as const) {
      const { file, text } = exportTo(source, path.join(dir, "out"), format, state, { provenance: PROVENANCE });
      const graph = await loadGraph(file);
      expect(initialState(graph.spec, graph.lmSteps)).toEqual(state);
      expect(graph.spec.data.train).toBe(path.join(dir, "train.jsonl"));
      if (format === "yaml") {
        expect(text).toContain("# a compact program");
        expect(text).toContain("# the metric");
        expect(text).toContain("../train.jsonl");
      }
    }
  });
});

describe("exportProgram provenance", () => {
  it("is a leading comment in YAML, replaced (not stacked) when an export is exported again", async () => {
    const original = await loadGraph(EXAMPLES[0]!);
    const state = richState(original);
    const dir = tempDir();
    const first = exportTo(EXAMPLES[0]!, path.join(dir, "one"), "yaml", state, { provenance: PROVENANCE });
    expect(first.text.startsWith(`${provenanceComment(PROVENANCE)}\n\nname: support-triage\n`)).toBe(true);
    const again = { ...PROVENANCE, runId: "run-8", score: undefined, optimizer: undefined };
    const second = exportTo(first.file, path.join(dir, "two"), "yaml", state, { provenance: again });
    expect(second.text.match(/# exported by dspx/g)).toHaveLength(1);
    expect(second.text.split("\n")[0]).toBe("# exported by dspx from run run-8, candidate 3f2a9c1b7e, 2025-06-01T12:00:00.000Z");
    // Sibling folders: the same relative paths, so the same program text below the comment.
    expect(second.text.slice(second.text.indexOf("\n\n"))).toBe(first.text.slice(first.text.indexOf("\n\n")));
    const graph = await loadGraph(second.file);
    expect(initialState(graph.spec, graph.lmSteps)).toEqual(state);
    expect(graph.spec.data).toEqual(original.spec.data);
    // Without provenance, a stale one is dropped too.
    const third = exportProgram({ source: second.text, sourceFile: second.file, state, targetFile: second.file, format: "yaml" });
    expect(third).not.toContain("exported by dspx");
  });

  it("reads as one line: score rounded, optional parts left out", () => {
    expect(provenanceComment(PROVENANCE)).toBe("# exported by dspx from run run-7, candidate 3f2a9c1b7e, score 0.8731, optimizer gepa, 2025-06-01T12:00:00.000Z");
    expect(provenanceComment({ runId: "r\n1", candidate: "c", exportedAt: "t" })).toBe("# exported by dspx from run r 1, candidate c, t");
  });
});

describe("exportProgram refuses a state that is not this program's", () => {
  for (const format of ["yaml", "json"] as const) {
    it(`as ${format}: throws naming the steps the program lacks`, () => {
      const source = EXAMPLES[0]!;
      const state: ProgramState = { steps: { route: { instruction: "x", demos: [] }, classify: { instruction: "y", demos: [] } } };
      const run = () => exportProgram({ source: readFileSync(source, "utf8"), sourceFile: source, state, targetFile: "/tmp/x.yaml", format });
      expect(run).toThrow(UserError);
      expect(run).toThrow(/the state names a step `classify` that this program does not have \(its steps: route\)/);
    });
  }

  it("throws on a source that is not a program mapping", () => {
    const run = (source: string) => () => exportProgram({ source, sourceFile: "/p.yaml", state: { steps: {} }, targetFile: "/q.yaml", format: "yaml" });
    expect(run("- a\n- b\n")).toThrow(/expected a program mapping with `steps:`/);
    expect(run("name: [unclosed\n")).toThrow(UserError);
  });
});

describe("relocatePath and relocatePaths", () => {
  it("rewrites relative paths for the new folder and leaves absolute ones alone", () => {
    expect(relocatePath("../datasets/x.jsonl", "/w/programs", "/w/exports/deep")).toBe("../../datasets/x.jsonl");
    expect(relocatePath("data/x.jsonl", "/w/p", "/w")).toBe("p/data/x.jsonl");
    expect(relocatePath("./data/x.jsonl", "/w/p", "/w")).toBe("./p/data/x.jsonl");
    expect(relocatePath("./metric.ts", "/w/p", "/w/q")).toBe("../p/metric.ts");
    expect(relocatePath("/abs/x.jsonl", "/w/p", "/elsewhere")).toBe("/abs/x.jsonl");
    expect(relocatePath("../weird//path/./x.jsonl", "/w/p", "/w/p/")).toBe("../weird//path/./x.jsonl");
  });

  it("finds every path a program names and rewrites a copy", () => {
    const data = {
      data: { train: "t.jsonl", dev: "/abs/dev.jsonl" },
      steps: { s: { module: "retrieve", corpus: "c.jsonl" }, t: { module: "predict" } },
      metric: { weighted: [{ weight: 1, metric: { mean: [{ module: "m.ts" }, { exact_match: "a" }] } }, { weight: 1, metric: { module: "n.js", export: "x" } }] },
    };
    expect(programPaths(data).map((p) => p.at.join("."))).toEqual(["data.train", "data.dev", "steps.s.corpus", "metric.weighted.0.metric.mean.0.module", "metric.weighted.1.metric.module"]);
    const moved = relocatePaths(data, "/w/p", "/w/q/r");
    expect(moved.data).toEqual({ train: "../../p/t.jsonl", dev: "/abs/dev.jsonl" });
    expect(moved.steps.s.corpus).toBe("../../p/c.jsonl");
    expect(moved.metric.weighted[0]!.metric.mean![0]).toEqual({ module: "../../p/m.ts" });
    expect(moved.metric.weighted[1]!.metric).toEqual({ module: "../../p/n.js", export: "x" });
    expect(data.data.train).toBe("t.jsonl"); // the original is untouched
    expect(programPaths({ metric: { module: "top.ts" } })).toEqual([{ at: ["metric", "module"], value: "top.ts" }]);
    // Tools' files and servers' folders, and function steps' code, move too (a server's args are its own).
    const tooled = {
      steps: { f: { module: "function", function: { module: "./steps.ts", export: "x" } } },
      tools: { a: { module: "./tools/a.ts" }, s: { mcp: { command: "node", args: ["./srv.mjs"], cwd: "./servers" } }, t: { mcp: { command: "node" } } },
    };
    expect(programPaths(tooled).map((p) => p.at.join("."))).toEqual(["steps.f.function.module", "tools.a.module", "tools.s.mcp.cwd"]);
    const movedTools = relocatePaths(tooled, "/w/p", "/w/q");
    expect(movedTools.steps.f.function.module).toBe("../p/steps.ts");
    expect(movedTools.tools.a.module).toBe("../p/tools/a.ts");
    expect(movedTools.tools.s.mcp).toEqual({ command: "node", args: ["./srv.mjs"], cwd: "../p/servers" });
  });
});

describe("an absolute path in a program", () => {
  it("stays absolute while relative ones move", async () => {
    const dir = tempDir();
    const abs = path.join(dir, "shared", "train.jsonl");
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, '{"q": "a?", "a": "b"}\n');
    writeFileSync(path.join(dir, "dev.jsonl"), '{"q": "a?", "a": "b"}\n');
    const source = path.join(dir, "p.yaml");
    writeFileSync(source, `name: p\ninputs: { q: string }\noutputs: { a: s.a }\nsteps:\n  s: { signature: q -> a }\nmetric: { exact_match: a }\ndata:\n  train: ${JSON.stringify(abs)}\n  dev: dev.jsonl\n`);
    const { file, text } = exportTo(source, path.join(dir, "x", "y"), "yaml", { steps: { s: { instruction: "Answer.", demos: [] } } });
    expect(text).toContain(`  train: ${JSON.stringify(abs)}\n  dev: ../../dev.jsonl\n`);
    expect((await loadGraph(file)).spec.data).toEqual({ train: abs, dev: path.join(dir, "dev.jsonl") });
  });
});
