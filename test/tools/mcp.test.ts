import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadGraph } from "../../src/graph/load.js";
import type { Graph } from "../../src/graph/types.js";
import { loadProgram } from "../../src/runtime/load.js";
import { livePids } from "../../src/tools/live-processes.js";
import { stepTools } from "../../src/tools/step-tools.js";
import { closeAllTools } from "../../src/tools/toolset.js";
import { running } from "../support/process-state.js";
import { loadProblems, MCP_SERVER, programDir, registerToolUser, SHOP_TOOLS, writeProgram } from "./helpers.js";

/** MCP servers end to end: the fixture server (written with the SDK's server API) started over stdio. */

beforeAll(registerToolUser);
const graphs: Graph[] = [];
afterEach(async () => {
  for (const g of graphs.splice(0)) await g.tools.close();
  delete process.env.DSPX_TEST_PIDFILE;
  delete process.env.DSPX_TEST_SECRET;
});

const program = (tools: string, refs = "[policies]") => `name: t
inputs: { n: integer }
outputs: { result: use.result }
tools:
${tools}
steps:
  use:
    module: test_tool_user
    signature: "n -> result"
    tools: ${refs}
metric: { exact_match: result }
`;

async function graphOf(tools: string, refs?: string): Promise<Graph> {
  const graph = await loadGraph(await writeProgram(await programDir(), program(tools, refs)));
  graphs.push(graph);
  return graph;
}

async function problemsOf(yaml: string): Promise<string[]> {
  return loadProblems(await writeProgram(await programDir(), yaml), (graph) => graphs.push(graph));
}

describe("an MCP server's tools", () => {
  it("are listed with the server's descriptions and schemas, referenced as <server>.<tool>, and called", async () => {
    const graph = await graphOf(`  policies: { mcp: { command: node, args: [${MCP_SERVER}] }, tools: [find_policy, count] }`, "[policies.find_policy, policies.count]");
    const specs = graph.tools.tools.map((t) => t.spec);
    expect(specs.map((s) => [s.ref, s.name])).toEqual([["policies.find_policy", "find_policy"], ["policies.count", "count"]]);
    expect(specs[0]).toMatchObject({ description: "Find the shop's policy on a topic (returns, shipping, warranty).", parameters: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] }, origin: { kind: "mcp", server: "policies", command: "node", tool: "find_policy" } });
    expect(specs[0]!.identity).toMatch(/^mcp:node .*mcp-server\.mjs#find_policy@[0-9a-f]{16}$/);
    const tools = stepTools(graph.steps[0]!.tools!);
    expect(await tools.call("find_policy", { topic: "returns" })).toMatchObject({ ok: true, observation: "Items can be returned within 30 days." });
    // Structured content is given as JSON.
    expect(await tools.call("count", { n: 4 })).toMatchObject({ ok: true, observation: '{"counted":4}' });
    // Checked against the server's schema before anything is sent.
    expect(await tools.call("find_policy", { topic: 3 })).toMatchObject({ ok: false, error: "invalid arguments for `find_policy`: `topic`: expected string, received number" });
  });

  it("report a tool's own error (isError) as a failed call", async () => {
    const graph = await graphOf(`  policies: { mcp: { command: node, args: [${MCP_SERVER}] }, tools: [broken] }`);
    expect(await stepTools(graph.steps[0]!.tools!).call("broken", {})).toMatchObject({ ok: false, error: "`broken` failed: the database is down" });
  });

  it("get only the environment their entry declares, plus PATH and HOME (never an API key unless listed)", async () => {
    process.env.DSPX_TEST_SECRET = "sk-not-for-tools";
    const graph = await graphOf(`  policies: { mcp: { command: node, args: [${MCP_SERVER}], env: { SHOP_REGION: eu } }, tools: [env] }`);
    const outcome = await stepTools(graph.steps[0]!.tools!).call("env", {});
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.observation.split(",").filter((k) => !k.startsWith("__CF"))).toEqual(["HOME", "PATH", "SHOP_REGION"]);
  });

  it("abandon a hung call at its timeout and restart the server (the hung process is killed)", async () => {
    const graph = await graphOf(`  policies: { mcp: { command: node, args: [${MCP_SERVER}] }, tools: [hang, pid], timeout: 0.5 }`);
    const tools = stepTools(graph.steps[0]!.tools!);
    const before = await tools.call("pid", {});
    expect(before.ok).toBe(true);
    const oldPid = Number(before.ok ? before.observation : NaN);
    expect(await tools.call("hang", {})).toMatchObject({ ok: false, error: "`hang` timed out after 500 ms and was abandoned" });
    expect(running(oldPid)).toBe(false);
    const after = await tools.call("pid", {});
    expect(after.ok).toBe(true);
    expect(Number(after.ok ? after.observation : NaN)).not.toBe(oldPid);
  });

  it("fail the call that a server dies on, and start it again for the next", async () => {
    const graph = await graphOf(`  policies: { mcp: { command: node, args: [${MCP_SERVER}] }, tools: [crash, pid] }`);
    const tools = stepTools(graph.steps[0]!.tools!);
    const before = await tools.call("pid", {});
    const crashed = await tools.call("crash", {});
    expect(crashed).toMatchObject({ ok: false, error: expect.stringMatching(/^`crash` failed: .*[Cc]onnection closed/) });
    const after = await tools.call("pid", {});
    expect(after.ok && before.ok && after.observation !== before.observation).toBe(true);
  });

  it("refuse a server that does not start, with the tail of its stderr, at the entry's command", async () => {
    const problems = await problemsOf(program(`  policies: { mcp: { command: node, args: [${MCP_SERVER}, --fail, "no database at /var/shop.db"] } }`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^5:31 `tools.policies`: the MCP server `node .*mcp-server\.mjs --fail no database at \/var\/shop\.db` did not start: it exited before answering the MCP handshake; its stderr ended with: starting policy server ⏎ Error: no database at \/var\/shop\.db$/);
    const missing = await problemsOf(program(`  policies: { mcp: { command: no-such-command-dspx } }`));
    expect(missing).toEqual(["5:31 `tools.policies`: the MCP server `no-such-command-dspx` did not start: command not found (it wrote nothing to stderr)"]);
  });

  it("refuse an unknown tool in the subset, a name collision, and a step naming a tool the server lacks", async () => {
    const problems = await problemsOf(
      program(`  count: { module: ${SHOP_TOOLS}, export: count }\n  policies: { mcp: { command: node, args: [${MCP_SERVER}] }, tools: [find_polcy, count] }`, "[policies.find_policy]"),
    );
    // (The step names a tool of an entry with problems: that is not reported again.)
    expect(problems).toEqual([
      "6:13 `tools.policies`: `policies.count` would be offered to the model as `count`, the name of `count` already (rename the module tool, or choose the server's tools with `tools: [...]`)",
      // At the misspelt name in the list (its column depends on the fixture's path).
      expect.stringMatching(/^6:\d+ `tools.policies.tools`: the server has no tool `find_polcy` \(it has: find_policy, count, env, hang, broken, crash, pid\) \(did you mean `find_policy`\?\)$/),
    ]);
    expect(await problemsOf(program(`  policies: { mcp: { command: node, args: [${MCP_SERVER}] } }`, "[policies.find_polcy]"))).toEqual([
      "10:13 `steps.use.tools[0]`: unknown tool `policies.find_polcy` (the program's tools: policies.find_policy, policies.count, policies.env, policies.hang, policies.broken, policies.crash, policies.pid, policies) (did you mean `policies.find_policy`?)",
    ]);
  });

  it("are stopped when the program is closed, and when compiling it found problems: no process is left", async () => {
    const dir = await programDir();
    const pidFile = path.join(dir, "pids");
    process.env.DSPX_TEST_PIDFILE = pidFile;
    const tools = `  policies: { mcp: { command: node, args: [${MCP_SERVER}], env: { DSPX_TEST_PIDFILE: ${pidFile} } } }`;
    const pids = () => readFileSync(pidFile, "utf8").split("\n").filter(Boolean).map(Number);

    const p = await loadProgram(await writeProgram(dir, program(tools)));
    const [started] = pids();
    expect(running(started!)).toBe(true);
    await p.close();
    expect(running(started!)).toBe(false);

    await expect(loadGraph(await writeProgram(dir, program(tools, "[nope]"), "broken.yaml"))).rejects.toThrow("unknown tool `nope`");
    expect(pids()).toHaveLength(2);
    expect(running(pids()[1]!)).toBe(false);

    // What a command leaves open is closed at its end (the CLI calls this, however the command ends).
    await loadProgram(await writeProgram(dir, program(tools), "third.yaml"));
    expect(running(pids()[2]!)).toBe(true);
    await closeAllTools();
    expect(running(pids()[2]!)).toBe(false);
    expect(livePids()).toEqual([]);
  });
});
