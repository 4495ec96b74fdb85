import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { evaluateProgram } from "../../src/evaluate/program.js";
import { loadGraph } from "../../src/graph/load.js";
import { loadProgram } from "../../src/runtime/load.js";
import type { Program } from "../../src/runtime/program.js";
import { fingerprints } from "../../src/runtime/fingerprint.js";
import { Store } from "../../src/store/store.js";
import { loadProblems, programDir, registerToolUser, SHOP_TOOLS, writeProgram } from "./helpers.js";

beforeAll(registerToolUser);

const programs: Program[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const p of programs.splice(0)) await p.close();
  for (const s of stores.splice(0)) await s.close();
  delete process.env.DSPX_TEST_LOG;
});

const program = (tools: string, step: string) => `name: t
inputs: { n: integer }
outputs: { result: use.result }
tools:
${tools}
steps:
  use:
    module: test_tool_user
    signature: "n -> result"
${step}
metric: { exact_match: result }
`;

async function problemsOf(yaml: string): Promise<string[]> {
  return loadProblems(await writeProgram(await programDir(), yaml));
}

describe("module tools in a program file", () => {
  it("load, with their description, parameters as JSON Schema, origin and identity (path + export + content hash)", async () => {
    const file = await writeProgram(await programDir(), program(`  lookup_order: { module: ${SHOP_TOOLS}, export: lookupOrder, timeout: 5s }\n  count: { module: ${SHOP_TOOLS}, export: count, cache: false }`, "    tools: [lookup_order]"));
    const graph = await loadGraph(file);
    const [lookup, count] = graph.tools.tools.map((t) => t.spec);
    expect(lookup).toMatchObject({ name: "lookup_order", ref: "lookup_order", description: "Look up an order by its id: status and tracking.", cache: true, timeoutMs: 5000, origin: { kind: "module", export: "lookupOrder" } });
    expect(lookup!.parameters).toMatchObject({ type: "object", properties: { order_id: { type: "string" } } });
    const hash = (await import("node:crypto")).createHash("sha256").update(readFileSync(SHOP_TOOLS, "utf8")).digest("hex").slice(0, 16);
    expect(lookup!.identity).toBe(`module:${path.relative(path.dirname(file), SHOP_TOOLS)}#lookupOrder@${hash}`);
    expect(count).toMatchObject({ cache: false, timeoutMs: 30_000 });
    // The step gets the tools it names, and only those.
    expect(graph.steps[0]!.tools!.map((t) => t.spec.name)).toEqual(["lookup_order"]);
  });

  it("report every problem at once, each at its line and column: missing export, bad schema, no description, not an object, unknown tool", async () => {
    const problems = await problemsOf(
      program(
        [
          `  a: { module: ${SHOP_TOOLS}, export: lookupOrdr }`,
          `  b: { module: ${SHOP_TOOLS}, export: badSchema }`,
          `  c: { module: ${SHOP_TOOLS}, export: noDescription }`,
          `  d: { module: ${SHOP_TOOLS}, export: notAnObject }`,
          `  e: { module: ./missing.ts }`,
          `  f: { module: ${SHOP_TOOLS}, export: count, timeout: soon }`,
        ].join("\n"),
        "    tools: [a, lookup_ordr, count, f]",
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^5:\d+ `tools.a`: module .*: no export named `lookupOrdr`; expected an object \{ description, parameters, run\(args, context\) \} \(did you mean `lookupOrder`\?\)$/),
      expect.stringMatching(/^6:\d+ `tools.b`: module .*: export `badSchema`: `parameters`: invalid JSON Schema: expected `type: object`/),
      expect.stringMatching(/^7:\d+ `tools.c`: module .*: export `noDescription` needs a `description`/),
      expect.stringMatching(/^8:\d+ `tools.d`: module .*: export `notAnObject` is a number; expected an object/),
      expect.stringMatching(/^9:16 `tools.e`: module \.\/missing\.ts: file not found \(looked for .*missing.ts\) \(paths are relative to the program file\)$/),
      expect.stringMatching(/^10:\d+ `tools.f.timeout`: expected a duration such as 30s or 2m/),
      // `a` and `f` failed to load: naming them is not reported again; the others are unknown.
      "15:16 `steps.use.tools[1]`: unknown tool `lookup_ordr` (the program's tools: a, b, c, d, e, f)",
      "15:29 `steps.use.tools[2]`: unknown tool `count` (the program's tools: a, b, c, d, e, f)",
    ]);
  });

  it("say `did you mean` for an unknown tool close to a declared one", async () => {
    const problems = await problemsOf(program(`  lookup_order: { module: ${SHOP_TOOLS}, export: lookupOrder }`, "    tools: [lookup_ordr]"));
    expect(problems).toEqual(["10:13 `steps.use.tools[0]`: unknown tool `lookup_ordr` (the program's tools: lookup_order) (did you mean `lookup_order`?)"]);
  });

  it("take one export declared twice as two tools (their names differ: no collision; a real one is in mcp.test.ts)", async () => {
    expect(await problemsOf(program(`  a: { module: ${SHOP_TOOLS}, export: count }\n  b: { module: ${SHOP_TOOLS}, export: count }`, "    tools: [a, b]"))).toEqual([]);
  });

  it("run through a step, replay recorded calls from the store (0 invocations on repeat), and run `cache: false` ones every time", async () => {
    const dir = await programDir();
    const log = path.join(dir, "calls.log");
    appendFileSync(log, "");
    process.env.DSPX_TEST_LOG = log;
    const file = await writeProgram(
      dir,
      program(`  count: { module: ${SHOP_TOOLS}, export: count }\n  live: { module: ${SHOP_TOOLS}, export: count, cache: false }`, "    tools: [count, live]\n    calls: [{ tool: count, args: { n: $n } }, { tool: live, args: { n: 100 } }]"),
    );
    const db = path.join(dir, "dspx.db");
    const dataset = path.join(dir, "dev.jsonl");
    await writeFile(dataset, [1, 2, 3].map((n) => JSON.stringify({ n, result: "?" })).join("\n") + "\n");
    const evalOnce = async () => {
      // A new store each time, as a new process would open it.
      const store = Store.open(db);
      stores.push(store);
      const p = await loadProgram(file, { toolResults: store.toolResults });
      programs.push(p);
      const report = await evaluateProgram(p, { dataset, concurrency: 2 });
      await store.close();
      return report;
    };
    const calls = () => readFileSync(log, "utf8").split("\n").filter(Boolean);
    const first = await evalOnce();
    expect(first.results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(calls().filter((l) => l !== "100").sort()).toEqual(["1", "2", "3"]);
    expect(calls().filter((l) => l === "100")).toHaveLength(3);
    const second = await evalOnce();
    // The recorded calls are answered from the store (0 invocations); the live tool runs again.
    expect(calls().filter((l) => l !== "100")).toHaveLength(3);
    expect(calls().filter((l) => l === "100")).toHaveLength(6);
    const outcomes = JSON.parse(String(second.results[0]!.outputs!.result)) as { replayed: boolean }[];
    expect(outcomes.map((o) => o.replayed)).toEqual([true, false]);
  });

  it("make the tools' identities part of the program's fingerprint (a changed tool invalidates memoized results)", async () => {
    const dir = await programDir();
    const toolFile = path.join(dir, "tool.ts");
    await writeFile(toolFile, `export const t = { description: "v1", parameters: { type: "object" }, run: () => "1" };\n`);
    const file = await writeProgram(dir, program(`  t: { module: ./tool.ts, export: t }`, "    tools: [t]"));
    const a = await loadProgram(file);
    programs.push(a);
    await writeFile(toolFile, `export const t = { description: "v1", parameters: { type: "object" }, run: () => "2" };\n`);
    const b = await loadProgram(file);
    programs.push(b);
    expect((await fingerprints(a)).program).not.toBe((await fingerprints(b)).program);
  });
});
