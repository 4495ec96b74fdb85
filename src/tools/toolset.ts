import type { ToolSpec } from "./types.js";
import type { ToolParameters } from "./parameters.js";
import type { McpServer } from "./mcp-server.js";

/** A tool ready to call: what the model is told about it, how its arguments are checked, how it runs. */
export interface LoadedTool {
  spec: ToolSpec;
  parameters: ToolParameters;
  /** Runs the tool on checked arguments; resolves to its result as text, rejects when the tool fails. */
  invoke(args: Record<string, unknown>, signal: AbortSignal): Promise<string>;
  /** Told when a call was abandoned at its timeout (an MCP server is then restarted). */
  abandoned?(): Promise<void>;
}

/**
 * The tools a program declares, loaded once per program (compile's prepare phase), and the MCP
 * servers behind them. Close it when the program is done with: the servers are stopped.
 */
export class ProgramTools {
  private readonly byRef: Map<string, LoadedTool>;
  private closing: Promise<void> | undefined;

  constructor(
    readonly tools: readonly LoadedTool[],
    private readonly servers: readonly McpServer[],
  ) {
    this.byRef = new Map(tools.map((t) => [t.spec.ref, t]));
    if (servers.length > 0) open.add(this);
  }

  /** The names a step may use: every tool's ref, and each server's name (all its tools). */
  refs(): string[] {
    return [...this.byRef.keys(), ...this.servers.map((s) => s.name)];
  }

  /** The tools `refs` name, in order, a server's name standing for all its tools; undefined for an unknown ref. */
  resolve(refs: readonly string[]): LoadedTool[] | undefined {
    const out: LoadedTool[] = [];
    for (const ref of refs) {
      const tool = this.byRef.get(ref);
      if (tool) out.push(tool);
      else if (this.servers.some((s) => s.name === ref)) out.push(...this.tools.filter((t) => t.spec.origin.kind === "mcp" && t.spec.origin.server === ref));
      else return undefined;
    }
    return [...new Set(out)];
  }

  /** Stops every MCP server (once; later calls wait for the same). */
  close(): Promise<void> {
    open.delete(this);
    this.closing ??= Promise.all(this.servers.map((s) => s.close().catch(() => {}))).then(() => {});
    return this.closing;
  }
}

/** The program tools with servers not yet closed. */
const open = new Set<ProgramTools>();

/**
 * Closes every program's tools still open: what the CLI does when a command ends, however it ends,
 * so that no command leaves a server running (a library user closes the programs it loads).
 */
export async function closeAllTools(): Promise<void> {
  await Promise.all([...open].map((t) => t.close()));
}
