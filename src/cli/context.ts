import { createOutput, type Output, type OutputFlags } from "./output.js";
import { errorJson, EXIT, reportError } from "./errors.js";
import { freezeProgress } from "./progress.js";
import { InterruptedError, isInterruption } from "../util/errors.js";
import { twoStageStop } from "../util/interrupt.js";
import { closeAllTools } from "../tools/toolset.js";

/** What every command gets: output, an abort signal tied to Ctrl-C and SIGTERM, and the exit code to set. */
export interface CommandContext {
  output: Output;
  /**
   * Aborts on the first Ctrl-C (or SIGTERM): dispatch nothing new. Work already started ends
   * normally; its in-flight stage (`inFlightSignal(signal)`) aborts only on the second Ctrl-C.
   */
  signal: AbortSignal;
  /** Runs when the command ends, however it ends (close the database). The programs' tool servers are stopped after these. */
  defer(cleanup: () => void | Promise<void>): void;
  /**
   * Runs if the user quits at once (a second Ctrl-C) while the command is still working: quick and
   * synchronous — mark a run interrupted, say how to continue it. The deferred cleanups run after
   * (committing what the store has queued), then the process exits 130. It writes to the `output`
   * it is given: from then on, the command's own output is dropped.
   */
  onQuit(fn: (output: Output) => void): void;
  /** The database the command opened: named when a query on it fails later. */
  usingDatabase(file: string): void;
}

/** How long quitting waits for the cleanups (the store committing what it has queued) before it leaves anyway. */
const QUIT_GRACE_MS = 2000;

/**
 * Runs a command body with Ctrl-C and SIGTERM wired to a two-stage stop (first signal: dispatch
 * nothing new and let the work in flight end; second: abort it and leave at once) and every error
 * turned into an exit code here, in one place. It calls process.exit only to quit at once;
 * otherwise it sets process.exitCode and lets the process end.
 */
export async function runCommand(flags: OutputFlags, body: (ctx: CommandContext) => Promise<number | void>): Promise<void> {
  const output = createOutput(flags);
  const stop = twoStageStop();
  const cleanups: (() => void | Promise<void>)[] = [];
  const quitters: ((output: Output) => void)[] = [];
  let database: string | undefined;
  let cleaning: Promise<void> | undefined;
  // Once, whichever comes first: the command ending or the user quitting.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const fn of [...cleanups.reverse(), closeAllTools]) {
        try {
          await fn();
        } catch (err) {
          if (!process.exitCode && !quitting) process.exitCode = reportError(err, output, database);
        }
      }
    })());
  let quitting = false;
  // What the body writes once the user has quit would only interleave with the quitting lines.
  const unlessQuitting = (write: (text: string) => void) => (text: string) => void (quitting || write(text));
  const bodyOutput: Output = { ...output, out: unlessQuitting(output.out), err: unlessQuitting(output.err), notice: unlessQuitting(output.notice) };

  const quit = async () => {
    quitting = true;
    process.exitCode = EXIT.interrupted;
    stop.quit();
    freezeProgress();
    output.err("quitting: the calls in flight are abandoned; what finished is kept");
    for (const fn of quitters) {
      try {
        fn(output);
      } catch {
        // Leaving at once: what could not be marked reads as interrupted anyway (its process is gone).
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cleanUp(), new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_GRACE_MS)))]);
    clearTimeout(timer);
    process.exit(EXIT.interrupted);
  };

  let presses = 0;
  // SIGTERM (a supervisor, a CI runner, `kill`) stops the command as Ctrl-C does: what is done is
  // kept, the run is marked interrupted and can be resumed.
  const onSignal = (signal: NodeJS.Signals) => {
    presses++;
    if (presses === 1) {
      output.err(`\nstopping${signal === "SIGINT" ? "" : ` (${signal})`}: finishing the calls in flight (press Ctrl-C again to quit at once)`);
      stop.stop();
    } else if (presses === 2) {
      void quit();
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const code = await body({
      output: bodyOutput,
      signal: stop.signal,
      defer: (fn) => void cleanups.push(fn),
      onQuit: (fn) => void quitters.push(fn),
      usingDatabase: (file) => {
        database = file;
      },
    });
    process.exitCode = stop.signal.aborted && !code ? EXIT.interrupted : (code ?? EXIT.ok);
  } catch (err) {
    // A call aborted by Ctrl-C rejects with an AbortError: that is the interruption, not a failure (exit 130).
    if (!quitting) {
      const shown = stop.signal.aborted && isInterruption(err) && !(err instanceof InterruptedError) ? new InterruptedError() : err;
      process.exitCode = reportError(shown, output, database);
      // --json: a refusal or failure is JSON on stdout too (an interruption prints nothing there, as before).
      if (output.json && process.exitCode !== EXIT.interrupted) output.out(errorJson(shown, process.exitCode));
    }
  } finally {
    await cleanUp();
    if (!quitting) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}
