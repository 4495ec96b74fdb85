import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { MODULES } from "../../src/modules/registry.js";
import type { AnyModule, ModuleDef } from "../../src/modules/types.js";
import type { ToolOutcome } from "../../src/tools/types.js";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import { UserError } from "../../src/util/errors.js";

export const FIXTURES = path.join(import.meta.dirname, "fixtures");
export const SHOP_TOOLS = path.join(FIXTURES, "shop-tools.ts");
export const STEPS = path.join(FIXTURES, "steps.ts");
export const MCP_SERVER = path.join(FIXTURES, "mcp-server.mjs");

/**
 * A test-only module that names tools (`tools:`) and calls each of `calls` in order, `$<input>` in
 * an argument standing for that input: it exercises the wiring from `toolRefs` to `args.tools`
 * without an LM. Its output `result` is the outcomes as JSON.
 */
const options = z.strictObject({
  tools: z.array(z.string()),
  calls: z.array(z.strictObject({ tool: z.string(), args: z.record(z.string(), z.unknown()).default({}) })).default([]),
});
type ToolUserOptions = z.infer<typeof options>;
export const toolUserModule: ModuleDef<ToolUserOptions, ToolUserOptions> = {
  name: "test_tool_user",
  summary: "test only: calls tools",
  usesLM: false,
  options,
  checkSignature: () => [],
  outputs: (signature) => signature.outputs,
  prepare: async ({ options: o }) => o,
  toolRefs: (o) => o.tools,
  run: async ({ tools, inputs, signature, prepared }) => {
    if (!tools) throw new Error("no tools given");
    const outcomes: ToolOutcome[] = [];
    for (const call of prepared.calls) {
      const args = Object.fromEntries(Object.entries(call.args).map(([k, v]) => [k, typeof v === "string" && v.startsWith("$") ? inputs[v.slice(1)] : v]));
      outcomes.push(await tools.call(call.tool, args));
    }
    return { outputs: { [signature.outputs[0]!.name]: JSON.stringify(outcomes.map(({ latencyMs: _, ...o }) => o)) }, calls: [] };
  },
};

/**
 * Registers the test-only module; the returned function removes it again (unit test files share
 * their worker's modules: others must not see it). Use as `beforeAll(registerToolUser)`.
 */
export function registerToolUser(): () => void {
  const modules = MODULES as Map<string, AnyModule>;
  modules.set(toolUserModule.name, toolUserModule);
  return () => void modules.delete(toolUserModule.name);
}

export async function programDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "dspx-tools-"));
}

export async function writeProgram(dir: string, yaml: string, name = "program.yaml"): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, yaml);
  return file;
}

/** The problems loading a program file reports, as `line:col message (hint)`; none when it loads (the graph goes to `loaded`). */
export async function loadProblems(file: string, loaded?: (graph: Graph) => void): Promise<string[]> {
  try {
    const graph = await loadGraph(file);
    loaded?.(graph);
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.pos?.line}:${p.pos?.col} ${p.message}${p.hint ? ` (${p.hint})` : ""}`);
    throw err;
  }
  return [];
}
