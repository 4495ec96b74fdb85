import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli, watch } from "../support/cli.js";
import { running } from "../support/process-state.js";
import { waitUntil } from "../support/wait.js";

/** Tools through the built CLI: `validate` lists them; no command leaves an MCP server running, however it ends. */

const FIXTURES = path.join(import.meta.dirname, "../tools/fixtures");
const SERVER = path.join(FIXTURES, "mcp-server.mjs");
const SHOP = path.join(FIXTURES, "shop-tools.ts");
const STEPS = path.join(FIXTURES, "steps.ts");


/** A program with a function step and the tools given; the MCP server writes its pid to `pids`. */
async function project(fn = "double", serverArgs = ""): Promise<{ dir: string; file: string; pids: () => number[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-cli-tools-"));
  const pidFile = path.join(dir, "pids");
  const file = path.join(dir, "shop.yaml");
  await writeFile(
    file,
    `name: shop
inputs: { n: integer }
outputs: { doubled: twice.doubled }
tools:
  lookup_order: { module: ${SHOP}, export: lookupOrder, timeout: 10s }
  policies:
    mcp: { command: node, args: [${SERVER}${serverArgs}], env: { DSPX_TEST_PIDFILE: ${pidFile} } }
    tools: [find_policy]
    cache: false
steps:
  twice:
    module: function
    function: { module: ${STEPS}, export: ${fn} }
    signature: "n: integer -> doubled: number"
metric: { numeric: doubled }
`,
  );
  await writeFile(path.join(dir, "dev.jsonl"), [1, 2].map((n) => JSON.stringify({ n, doubled: n * 2 })).join("\n") + "\n");
  const pids = () => (existsSync(pidFile) ? readFileSync(pidFile, "utf8").split("\n").filter(Boolean).map(Number) : []);
  return { dir, file, pids };
}

describe("dspx and tools", () => {
  it("validate lists the tools (name, origin, description, parameters), and --json has them; the server is stopped after", async () => {
    const { file, pids } = await project();
    const human = await runCli(["validate", file]);
    expect(human.stderr).toBe("");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("tools\n");
    expect(human.stdout).toMatch(/ {2}lookup_order {2}.*shop-tools\.ts#lookupOrder · timeout 10 s\n {7}Look up an order by its id: status and tracking\.\n {7}\(order_id: string\)/);
    expect(human.stdout).toMatch(/ {2}policies\.find_policy \(offered as find_policy\) {2}MCP server policies \(node .*mcp-server\.mjs\) · cache: false\n {7}Find the shop's policy on a topic \(returns, shipping, warranty\)\.\n {7}\(topic: string\)/);

    const json = await runCli(["validate", file, "--json"]);
    expect(json.code).toBe(0);
    const tools = (JSON.parse(json.stdout) as { tools: unknown[] }).tools;
    expect(tools).toEqual([
      expect.objectContaining({ ref: "lookup_order", name: "lookup_order", description: "Look up an order by its id: status and tracking.", parameters: expect.objectContaining({ type: "object", required: ["order_id"] }), origin: expect.objectContaining({ kind: "module", export: "lookupOrder" }), cache: true, timeoutMs: 10_000 }),
      expect.objectContaining({ ref: "policies.find_policy", name: "find_policy", origin: expect.objectContaining({ kind: "mcp", server: "policies", command: "node", tool: "find_policy" }), cache: false, timeoutMs: 30_000 }),
    ]);
    expect(pids()).toHaveLength(2);
    expect(pids().filter(running)).toEqual([]);
  });

  it("a server that does not start: exit 2, one problem at file:line:column with the tail of its stderr, no stack", async () => {
    const { file } = await project("double", ", --fail, disk full");
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/shop\.yaml:7:21: `tools\.policies`: the MCP server `node .*mcp-server\.mjs --fail disk full` did not start: it exited before answering the MCP handshake; its stderr ended with: starting policy server ⏎ Error: disk full\n$/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("runs a program with a function step and tools, and stops the server when the command ends, also on an error", async () => {
    const { file, pids } = await project("double", ", --stubborn");
    const ok = await runCli(["run", file, "--input", '{"n": 21}', "--json"]);
    expect(ok.stderr).toBe("");
    expect(JSON.parse(ok.stdout)).toMatchObject({ outputs: { doubled: 42 } });
    const bad = await runCli(["run", file, "--input", '{"n": "x"}']);
    expect(bad.code).toBe(2);
    expect(pids()).toHaveLength(2);
    expect(pids().filter(running)).toEqual([]);
  });

  it("stops the server on Ctrl-C (twice: quit at once) while a step hangs: no orphan process", async () => {
    // A server that outlives its closed stdin and ignores SIGTERM: only dspx killing it stops it.
    const { dir, file, pids } = await project("hangs", ", --stubborn");
    const cli = startCli(["eval", file, "--dataset", path.join(dir, "dev.jsonl")], { env: { DSPX_DB: path.join(dir, "dspx.db") } });
    await waitUntil(() => pids().length === 1, "the MCP server's pid", watch(cli));
    const [pid] = pids();
    expect(running(pid!)).toBe(true);
    // The step hangs: the first Ctrl-C waits for it, the second quits.
    cli.child.kill("SIGINT");
    await waitUntil(() => /stopping/.test(cli.stderr()), "the stopping line", watch(cli));
    cli.child.kill("SIGINT");
    expect(await cli.closed).toBe(130);
    await waitUntil(() => !running(pid!), "the server to be gone");
    expect(running(pid!)).toBe(false);
  });
});
