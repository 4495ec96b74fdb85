import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Watched } from "./wait.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin/dspx.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string;
  timeoutMs?: number;
  /** Flags for Node itself, before the script (e.g. `--max-old-space-size=64`). */
  nodeArgs?: string[];
}

let calls = 0;

/** An environment with no provider keys or model overrides, so the CLI runs offline on `sim`. */
export function offlineEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env)) {
    if (/^(OPENAI|ANTHROPIC)_|^DSPX_|^GITHUB_/.test(key)) delete env[key];
  }
  delete env.FORCE_COLOR;
  // Every call gets a fresh database unless the test names one (to share runs, memo and cache).
  env.DSPX_DB = path.join(os.tmpdir(), `dspx-test-${process.pid}-${++calls}.db`);
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs the built `dspx` as a child process and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: offlineEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** A built `dspx` started in the background: its output so far, and how it ended once it has. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when a signal ended it). */
  closed: Promise<number | null>;
}

/** Starts the built `dspx` without waiting for it, for tests that signal or kill it mid-run. */
export function startCli(args: string[], options: Pick<CliOptions, "cwd" | "env"> = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: offlineEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, closed };
}

/** A started CLI as a wait watches it (test/support/wait.ts): its process, and its stderr when the wait gives up. */
export const watch = (cli: RunningCli): Watched => ({ child: cli.child, output: cli.stderr });
