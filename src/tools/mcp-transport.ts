import { spawn, type ChildProcess } from "node:child_process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { killGroup, trackProcess } from "./live-processes.js";

/** How much of a server's stderr is kept, for the message when it fails. */
const STDERR_TAIL_CHARS = 2000;
/** How long a server has to exit once its stdin is closed, before it is terminated, then killed. */
const EXIT_GRACE_MS = 1000;

export interface ServerProcessParams {
  command: string;
  args: string[];
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  cwd: string;
}

/**
 * The MCP stdio transport, written here rather than taken from the SDK so that the server gets
 * exactly the environment dspx gives it (the SDK's adds LOGNAME, SHELL, TERM and USER), runs in a
 * process group of its own (killed as a whole), and keeps the tail of its stderr for messages.
 */
export class ServerProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly buffer = new ReadBuffer();
  private stderrText = "";
  private exited: Promise<void> | undefined;

  constructor(private readonly params: ServerProcessParams) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the server wrote to stderr. */
  stderrTail(): string {
    return this.stderrText.trim();
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.params.command, this.params.args, {
        env: this.params.env,
        cwd: this.params.cwd,
        stdio: ["pipe", "pipe", "pipe"],
        detached: process.platform !== "win32",
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once("close", () => done()));
      child.once("error", (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once("spawn", () => {
        trackProcess(child);
        resolve();
      });
      child.once("close", () => {
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin!.on("error", (err) => this.onerror?.(err));
      child.stdout!.on("data", (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
          for (let message = this.buffer.readMessage(); message !== null; message = this.buffer.readMessage()) this.onmessage?.(message);
        } catch (err) {
          this.onerror?.(err as Error);
        }
      });
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (text: string) => {
        this.stderrText = (this.stderrText + text).slice(-STDERR_TAIL_CHARS);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || stdin.destroyed) return reject(new Error("the server is not running"));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  /** Closes stdin (a well-behaved server exits), then terminates and at last kills its process group. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = this.exited!;
    const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    try {
      child.stdin?.end();
    } catch {
      // Already closed.
    }
    if (!(await within(EXIT_GRACE_MS))) {
      killGroup(child, "SIGTERM");
      if (!(await within(EXIT_GRACE_MS))) {
        killGroup(child, "SIGKILL");
        await within(EXIT_GRACE_MS);
      }
    }
    // The group may outlive its leader (a server that started others and exited).
    killGroup(child, "SIGKILL", { group: true });
    this.buffer.clear();
  }

  /** Kills the process group at once (a hung server being replaced). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    killGroup(child, "SIGKILL");
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, EXIT_GRACE_MS).unref())]);
  }
}
