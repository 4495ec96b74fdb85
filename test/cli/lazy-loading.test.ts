import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

/**
 * A command loads only what it uses: the provider SDKs (and OpenTelemetry, which the Anthropic SDK
 * pulls in), the MCP SDK and the SQLite addon are imported at their first use. The CLI runs with a
 * preload that reports every module Node loads: ES modules through a load hook, CommonJS ones from
 * the require cache at exit (better-sqlite3 is loaded with require). A package bundled into the
 * CLI counts as loaded when a chunk holding it is (dist/bundle/packages.json, written by the build).
 */
const PRELOAD = `
import { createRequire, register } from "node:module";
register(new URL("./hooks.mjs", import.meta.url));
const require = createRequire(import.meta.url);
process.on("exit", () => {
  for (const file of Object.keys(require.cache)) process.stderr.write("module " + file + "\\n");
});
`;
const HOOKS = `
export async function load(url, context, next) {
  process.stderr.write("module " + url + "\\n");
  return next(url, context);
}
`;

const HEAVY = ["openai", "@anthropic-ai/sdk", "@opentelemetry/api", "better-sqlite3", "@modelcontextprotocol/sdk"];

/** The packages a process loaded: from node_modules, or bundled into a chunk of the CLI it loaded. */
function packagesLoaded(stderr: string): Set<string> {
  const names = new Set<string>();
  for (const line of stderr.split("\n")) {
    const m = /^module .*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) names.add(m[1]!);
    const chunk = /^module .*\/dist\/bundle\/([^/]+\.js)$/.exec(line);
    for (const name of chunk ? (bundled[chunk[1]!] ?? []) : []) names.add(name);
  }
  return names;
}

let bundled: Record<string, string[]>;

let dir: string;
let nodeArgs: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "dspx-loads-"));
  await writeFile(path.join(dir, "preload.mjs"), PRELOAD);
  await writeFile(path.join(dir, "hooks.mjs"), HOOKS);
  nodeArgs = ["--import", path.join(dir, "preload.mjs")];
  bundled = JSON.parse(await readFile(path.join(ROOT, "dist/bundle/packages.json"), "utf8")) as Record<string, string[]>;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("what a command loads", () => {
  it("validate on sim loads no provider SDK, no OpenTelemetry, no SQLite and no MCP SDK", async () => {
    const r = await runCli(["validate", "programs/support-triage.yaml"], { nodeArgs });
    expect(r.code).toBe(0);
    const loaded = packagesLoaded(r.stderr);
    // The trace works: the bundled CLI is in it (yaml, zod and commander are inside that one file).
    expect(r.stderr).toMatch(/^module .*\/dist\/bundle\/cli\.js$/m);
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
    // Nor the spinner (stderr is a pipe) or Unicode width tables (everything printed is ASCII).
    expect(["ora", "string-width"].filter((p) => loaded.has(p))).toEqual([]);
  });

  it("the provider and MCP SDKs are bundled into chunks of their own (what the checks here rely on)", () => {
    const holding = (name: string) => Object.entries(bundled).filter(([, names]) => names.includes(name)).map(([file]) => file);
    for (const name of ["openai", "@anthropic-ai/sdk", "@modelcontextprotocol/sdk"]) {
      expect(holding(name).length, name).toBeGreaterThan(0);
      expect(holding(name), name).not.toContain("cli.js");
    }
  });

  it("eval on an OpenAI-compatible endpoint loads the openai SDK and no other provider's", async () => {
    // Nothing answers on port 9: the first call fails, after the SDK was loaded to make it.
    const r = await runCli(["eval", "programs/support-triage.yaml", "--limit", "1", "--no-record", "--no-cache", "--lm", "openai:gpt-4.1-mini", "--base-url", "http://127.0.0.1:9/v1"], { nodeArgs });
    expect(r.stderr).toContain("cannot reach http://127.0.0.1:9/v1");
    const loaded = packagesLoaded(r.stderr);
    expect(loaded.has("openai")).toBe(true);
    expect(["@anthropic-ai/sdk", "@opentelemetry/api", "@modelcontextprotocol/sdk"].filter((p) => loaded.has(p))).toEqual([]);
  });

  it("eval on sim opens the database but loads no provider SDK", async () => {
    const r = await runCli(["eval", "programs/support-triage.yaml", "--limit", "1"], { nodeArgs });
    expect(r.code).toBe(0);
    const loaded = packagesLoaded(r.stderr);
    expect(loaded.has("better-sqlite3")).toBe(true);
    // (Nor the MCP SDK: the program starts no tool server.)
    expect(["openai", "@anthropic-ai/sdk", "@opentelemetry/api", "@modelcontextprotocol/sdk"].filter((p) => loaded.has(p))).toEqual([]);
  });
});
