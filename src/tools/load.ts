import path from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDecl } from "../program/types.js";
import { describeType, loadUserExport, UserModuleError } from "../program/user-module.js";
import { hashOf, sha256 } from "../util/canonical.js";
import type { Problem, SourcePos } from "../util/errors.js";
import { suggestionHint } from "../util/suggest.js";
import type { McpServer } from "./mcp-server.js";
import { mcpResultText } from "./mcp-result.js";
import { parametersOf } from "./parameters.js";
import { resultText } from "./render.js";
import { ProgramTools, type LoadedTool } from "./toolset.js";

/** A tool call's default timeout. */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
/** How long an MCP server has to start and answer its handshake (and its tool list). */
const SERVER_START_TIMEOUT_MS = 30_000;
const EXPECTED_EXPORT = "an object { description, parameters, run(args, context) }";

/** What a module tool's `run` gets besides its arguments. */
export interface ToolContext {
  /** Aborted when the call times out or the command stops: a long-running tool should stop then. */
  signal: AbortSignal;
  /** The tool's name in the program file. */
  tool: string;
}

export interface ToolLoadOptions {
  /** The program's directory: module paths and server `cwd`s are relative to it. */
  dir: string;
  /** Where a YAML path (`["tools", "orders", "export"]`) is written, for problems. */
  posOf(path: readonly (string | number)[]): SourcePos;
  /** The environment an MCP server's PATH and HOME come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface ToolsLoad {
  /** Always set, also with problems (its servers must then be closed). */
  tools: ProgramTools;
  problems: Problem[];
  /** Declarations that could not be loaded: steps naming them are not told their tool is unknown. */
  failed: Set<string>;
}

/**
 * Loads every declared tool: module exports (through tsx for TypeScript) and MCP servers (started
 * at once, concurrently, and asked for their tools). Every problem is collected, at the position of
 * what causes it.
 */
export async function loadTools(decls: readonly ToolDecl[], options: ToolLoadOptions): Promise<ToolsLoad> {
  const problems: Problem[] = [];
  const failed = new Set<string>();
  const servers: McpServer[] = [];
  const loaded = await Promise.all(
    decls.map(async (decl): Promise<LoadedTool[]> => {
      const before = problems.length;
      const tools = decl.source.kind === "module" ? await moduleTool(decl, options, problems) : await serverTools(decl, options, problems, servers);
      if (problems.length > before) failed.add(decl.name);
      return tools;
    }),
  );
  const all = loaded.flat();
  problems.push(...collisions(all, options));
  return { tools: new ProgramTools(all, servers), problems, failed };
}

async function moduleTool(decl: ToolDecl, options: ToolLoadOptions, problems: Problem[]): Promise<LoadedTool[]> {
  if (decl.source.kind !== "module") return [];
  const { module, export: name } = decl.source;
  const problem = (message: string, at: (string | number)[] = [], hint?: string) =>
    problems.push({ message: `\`tools.${decl.name}\`: module ${module}: ${message}`, pos: options.posOf(["tools", decl.name, ...at]), ...(hint ? { hint } : {}) });
  let found;
  try {
    found = await loadUserExport(module, name, options.dir, EXPECTED_EXPORT);
  } catch (err) {
    if (!(err instanceof UserModuleError)) throw err;
    problem(err.message, /^no (default )?export/.test(err.message) ? ["export"] : ["module"], err.hint);
    return [];
  }
  const value = found.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problem(`export \`${name}\` is ${describeType(value)}; expected ${EXPECTED_EXPORT}`, ["export"]);
    return [];
  }
  const { description, parameters, run } = value as { description?: unknown; parameters?: unknown; run?: unknown };
  const before = problems.length;
  if (typeof description !== "string" || description.trim() === "") problem(`export \`${name}\` needs a \`description\` (text telling the model what the tool does)`, ["export"]);
  if (typeof run !== "function") problem(`export \`${name}\`: \`run\` is ${describeType(run)}; expected a function (args, context) => result`, ["export"]);
  let checked;
  try {
    checked = parametersOf(parameters);
  } catch (err) {
    problem(`export \`${name}\`: \`parameters\`: ${(err as Error).message}`, ["export"]);
  }
  if (problems.length > before || !checked) return [];
  const file = path.relative(options.dir, found.file).split(path.sep).join("/");
  const fn = run as (args: Record<string, unknown>, context: ToolContext) => unknown;
  return [
    {
      spec: {
        name: decl.name,
        ref: decl.name,
        description: (description as string).trim(),
        parameters: checked.jsonSchema,
        identity: `module:${file}#${name}@${sha256(found.text).slice(0, 16)}`,
        cache: decl.cache ?? true,
        timeoutMs: decl.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
        origin: { kind: "module", file, export: name },
      },
      parameters: checked,
      invoke: async (args, signal) => resultText(await fn(args, { signal, tool: decl.name })),
    },
  ];
}

async function serverTools(decl: ToolDecl, options: ToolLoadOptions, problems: Problem[], servers: McpServer[]): Promise<LoadedTool[]> {
  if (decl.source.kind !== "mcp") return [];
  const { command, args, env, cwd, tools: subset } = decl.source;
  const timeoutMs = decl.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  // Imported only by programs that start a server: the SDK is large.
  const { McpServer, ServerStartError } = await import("./mcp-server.js");
  const server = new McpServer(decl.name, { command, args, env: serverEnv(env, options.env ?? process.env), cwd: path.resolve(options.dir, cwd ?? ".") }, SERVER_START_TIMEOUT_MS);
  servers.push(server);
  const at = (...p: (string | number)[]) => options.posOf(["tools", decl.name, ...p]);
  let listed: Tool[];
  try {
    listed = await server.listTools();
  } catch (err) {
    const stderr = err instanceof ServerStartError ? err.stderr : "";
    const reason = err instanceof ServerStartError ? err.message : `it failed to list its tools: ${(err as Error).message}`;
    problems.push({
      message: `\`tools.${decl.name}\`: the MCP server \`${server.commandLine}\` did not start: ${reason}${stderr ? `; its stderr ended with: ${stderrTail(stderr)}` : " (it wrote nothing to stderr)"}`,
      pos: at("mcp", "command"),
    });
    return [];
  }
  const names = listed.map((t) => t.name);
  let chosen = listed;
  if (subset) {
    chosen = [];
    subset.forEach((name, i) => {
      const tool = listed.find((t) => t.name === name);
      if (tool) chosen.push(tool);
      else problems.push({ message: `\`tools.${decl.name}.tools\`: the server has no tool \`${name}\` (it has: ${names.join(", ") || "none"})`, pos: at("tools", i), ...hintFor(name, names) });
    });
  }
  const out: LoadedTool[] = [];
  for (const tool of chosen) {
    let checked;
    try {
      checked = parametersOf(tool.inputSchema);
    } catch (err) {
      problems.push({ message: `\`tools.${decl.name}\`: the server's tool \`${tool.name}\`: input schema: ${(err as Error).message}`, pos: at("mcp", "command") });
      continue;
    }
    out.push({
      spec: {
        name: modelName(tool.name),
        ref: `${decl.name}.${tool.name}`,
        description: (tool.description ?? tool.title ?? "").trim() || `the ${tool.name} tool of ${decl.name}`,
        parameters: checked.jsonSchema,
        identity: `mcp:${server.commandLine}#${tool.name}@${hashOf(tool.inputSchema).slice(0, 16)}`,
        cache: decl.cache ?? true,
        timeoutMs,
        origin: { kind: "mcp", server: decl.name, command, args, tool: tool.name },
      },
      parameters: checked,
      invoke: async (callArgs, signal) => {
        const result = await server.callTool(tool.name, callArgs, signal);
        const text = mcpResultText(result);
        if (result.isError) throw new Error(text || "the tool reported an error");
        return text;
      },
      abandoned: () => server.restart(),
    });
  }
  return out;
}

/** An MCP server's whole environment: what its entry declares, with PATH and HOME (never anything else, such as API keys). */
export function serverEnv(declared: Record<string, string>, from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME"]) {
    const value = from[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...declared };
}

/** A name the model may call: OpenAI allows letters, digits, `_` and `-`, at most 64. */
export function modelName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "tool";
}

/** Two tools offered to models under one name: the later declaration is reported. */
function collisions(tools: readonly LoadedTool[], options: ToolLoadOptions): Problem[] {
  const seen = new Map<string, LoadedTool>();
  const problems: Problem[] = [];
  for (const tool of tools) {
    const first = seen.get(tool.spec.name);
    if (!first) {
      seen.set(tool.spec.name, tool);
      continue;
    }
    const decl = tool.spec.origin.kind === "mcp" ? tool.spec.origin.server : tool.spec.ref;
    problems.push({
      message: `\`tools.${decl}\`: \`${tool.spec.ref}\` would be offered to the model as \`${tool.spec.name}\`, the name of \`${first.spec.ref}\` already`,
      pos: options.posOf(["tools", decl]),
      hint: tool.spec.origin.kind === "mcp" ? "rename the module tool, or choose the server's tools with `tools: [...]`" : "rename one of them",
    });
  }
  return problems;
}

function hintFor(name: string, names: string[]): { hint?: string } {
  const hint = suggestionHint(name, names);
  return hint ? { hint } : {};
}

/** The last few lines a server wrote to stderr, on one line (` ⏎ ` between them). */
function stderrTail(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "").slice(-4);
  const joined = lines.join(" ⏎ ");
  return joined.length > 400 ? `…${joined.slice(-399)}` : joined;
}
