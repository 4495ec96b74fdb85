import { vi } from "vitest";
import type { CommandContext } from "../../src/cli/context.js";
import { EXIT, reportError } from "../../src/cli/errors.js";
import { createOutput, type Output } from "../../src/cli/output.js";
import { InterruptedError, isInterruption } from "../../src/util/errors.js";

/** What a command printed, as the CLI would have written it to stdout and stderr (notices on stderr). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  json?: boolean;
  /** Environment variables set for the command (undefined: removed), on top of an offline environment. */
  env?: Record<string, string | undefined>;
  /** Aborts the command's signal (as Ctrl-C would) once a line it prints matches. */
  stopAt?: RegExp;
}

/**
 * Runs one CLI command's body in this process, with a plain (uncoloured, piped) output that is
 * captured instead of written: for tests of what a command prints that need no process of its own.
 * As runCommand does (src/cli/context.ts), an error becomes the exit code (and the message) of the
 * CLI's one error handler, and the deferred clean-ups (closing the database) run before it returns. The environment
 * is offline as for a spawned CLI (test/support/cli.ts): no provider keys, no DSPX_ or GITHUB_ settings.
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
  for (const key of Object.keys(process.env)) if (/^(OPENAI|ANTHROPIC)_|^DSPX_|^GITHUB_/.test(key)) vi.stubEnv(key, undefined);
  for (const [key, value] of Object.entries(options.env ?? {})) vi.stubEnv(key, value);
  const cleanups: (() => void | Promise<void>)[] = [];
  let database: string | undefined;
  let code: number;
  try {
    // (No second Ctrl-C here: stopAt is the first stage only, so what would run on quitting never does.)
    const returned = await body({ output, signal: stop.signal, defer: (fn) => void cleanups.push(fn), onQuit: () => {}, usingDatabase: (file) => void (database = file) });
    code = stop.signal.aborted && !returned ? EXIT.interrupted : returned;
  } catch (err) {
    code = reportError(stop.signal.aborted && isInterruption(err) && !(err instanceof InterruptedError) ? new InterruptedError() : err, output, database);
  } finally {
    for (const fn of cleanups.reverse()) await fn();
    vi.unstubAllEnvs();
  }
  return { code, stdout, stderr };
}
