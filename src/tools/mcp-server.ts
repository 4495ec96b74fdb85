import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { VERSION } from "../version.js";
import { ServerProcessTransport, type ServerProcessParams } from "./mcp-transport.js";

/** A server that could not be started or did not answer its handshake; `stderr` is the tail of what it wrote. */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "ServerStartError";
  }
}

/**
 * One MCP server over stdio, through the SDK's Client: started once, asked for its tools, called;
 * restarted when a call hangs past its timeout (the hung process is killed with its group) and
 * started again by the next call when it died.
 */
export class McpServer {
  private client: Client | undefined;
  private transport: ServerProcessTransport | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly params: ServerProcessParams,
    /** How long the handshake may take. */
    private readonly startTimeoutMs: number,
  ) {}

  /** The command line, for messages and identities: `node ./server.mjs`. */
  get commandLine(): string {
    return [this.params.command, ...this.params.args].join(" ");
  }

  get pid(): number | undefined {
    return this.transport?.pid;
  }

  start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    if (this.closed) throw new Error(`the MCP server \`${this.name}\` is closed`);
    const transport = new ServerProcessTransport(this.params);
    const client = new Client({ name: "dspx", version: VERSION });
    this.transport = transport;
    try {
      await client.connect(transport, { timeout: this.startTimeoutMs });
    } catch (err) {
      // Closed (and so exited) first: its stderr is then all there.
      await transport.close().catch(() => {});
      throw new ServerStartError(startFailure(err, this.startTimeoutMs), transport.stderrTail());
    }
    this.client = client;
    // A server that dies (a crash, a kill) is started again by the next call.
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.transport = undefined;
      this.starting = undefined;
    };
  }

  async listTools(): Promise<Tool[]> {
    await this.start();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client!.listTools(cursor ? { cursor } : undefined, { timeout: this.startTimeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls a tool; rejects on a protocol error, an abort (the signal) or a dead server. */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    await this.start();
    // The SDK's own timeout is off: the caller times the call (and restarts the server on a hang).
    return (await this.client!.callTool({ name, arguments: args }, undefined, { signal, timeout: 2 ** 31 - 1 })) as CallToolResult;
  }

  /** Replaces a hung server with a fresh process. */
  async restart(): Promise<void> {
    if (this.closed) return;
    const old = this.transport;
    this.client = undefined;
    this.transport = undefined;
    this.starting = undefined;
    await old?.kill();
    await this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    await transport?.close();
  }
}

function startFailure(err: unknown, timeoutMs: number): string {
  const e = err as NodeJS.ErrnoException & { code?: unknown };
  if (e?.code === "ENOENT") return "command not found";
  if (e?.code === "EACCES") return "permission denied";
  const message = (e as Error)?.message ?? String(err);
  if (/timed out|timeout/i.test(message)) return `no answer to the MCP handshake within ${timeoutMs / 1000} s`;
  if (/connection closed/i.test(message)) return "it exited before answering the MCP handshake";
  return message;
}
