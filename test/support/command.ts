import { createOutput, type Output } from "../../src/cli/output.js";
import type { CommandContext } from "../../src/cli/context.js";

/** What a command printed, as the CLI would have written it to stdout and stderr (notices on stderr). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  json?: boolean;
  /** Aborts the command's signal (as Ctrl-C would) once a line it prints matches. */
  stopAt?: RegExp;
}

/**
 * Runs one CLI command's body in this process, with a plain (uncoloured, piped) output that is
 * captured instead of written: for tests of what a command prints that need no process of its own.
 * The deferred clean-ups (closing the database) run before it returns, as runCommand does.
 */
export async function runInProcess(body: (ctx: CommandContext) => Promise<number>, options: InProcessOptions = {}): Promise<CommandResult> {
  const stop = new AbortController();
  let stdout = "";
  let stderr = "";
  const write = (text: string): string => {
    if (options.stopAt?.test(text)) stop.abort();
    return text.endsWith("\n") ? text : `${text}\n`;
  };
  const output: Output = {
    ...createOutput({ color: false, json: options.json ?? false }),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    columns: undefined,
    out: (text) => void (stdout += write(text)),
    err: (text) => void (stderr += write(text)),
    notice: (text) => void (stderr += write(`note: ${text}`)),
  };
  const cleanups: (() => void | Promise<void>)[] = [];
  let code: number;
  try {
    code = await body({ output, signal: stop.signal, defer: (fn) => void cleanups.push(fn) });
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
  return { code, stdout, stderr };
}
