import { setMaxListeners } from "node:events";
import { createOutput, type Output, type OutputFlags } from "./output.js";
import { errorJson, EXIT, reportError } from "./errors.js";
import { InterruptedError, isInterruption } from "../util/errors.js";

/** What every command gets: output, an abort signal tied to Ctrl-C and SIGTERM, and the exit code to set. */
export interface CommandContext {
  output: Output;
  signal: AbortSignal;
  /** Runs when the command ends, however it ends (close the database). */
  defer(cleanup: () => void | Promise<void>): void;
  /** The database the command opened: named when a query on it fails later. */
  usingDatabase(file: string): void;
}

/**
 * Runs a command body with Ctrl-C and SIGTERM wired to an AbortSignal (first signal: stop
 * gracefully; second: leave at once) and every error turned into an exit code here, in one place.
 * Never calls process.exit during work: it sets process.exitCode and lets the process end.
 */
export async function runCommand(flags: OutputFlags, body: (ctx: CommandContext) => Promise<number | void>): Promise<void> {
  const output = createOutput(flags);
  const controller = new AbortController();
  // Every call in flight listens to this one signal: dozens at once is the design, not a leak.
  setMaxListeners(0, controller.signal);
  let presses = 0;
  // SIGTERM (a supervisor, a CI runner, `kill`) stops the command as Ctrl-C does: what is done is
  // kept, the run is marked interrupted and can be resumed.
  const onSignal = (signal: NodeJS.Signals) => {
    presses++;
    if (presses === 1) {
      output.err(`\nstopping${signal === "SIGINT" ? "" : ` (${signal})`}: finishing the calls in flight (press Ctrl-C again to quit at once)`);
      controller.abort();
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const cleanups: (() => void | Promise<void>)[] = [];
  let database: string | undefined;
  try {
    const code = await body({
      output,
      signal: controller.signal,
      defer: (fn) => void cleanups.push(fn),
      usingDatabase: (file) => {
        database = file;
      },
    });
    process.exitCode = controller.signal.aborted && !code ? EXIT.interrupted : (code ?? EXIT.ok);
  } catch (err) {
    // Ctrl-C aborts the calls in flight; their AbortError is the interruption, not a failure (exit 130).
    const shown = controller.signal.aborted && isInterruption(err) && !(err instanceof InterruptedError) ? new InterruptedError() : err;
    process.exitCode = reportError(shown, output, database);
    // --json: a refusal or failure is JSON on stdout too (an interruption prints nothing there, as before).
    if (output.json && process.exitCode !== EXIT.interrupted) output.out(errorJson(shown, process.exitCode));
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        if (!process.exitCode) process.exitCode = reportError(err, output, database);
      }
    }
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
