import type { ChildProcess } from "node:child_process";
import { vi } from "vitest";

/** What a wait watches besides its condition: a child process and what it has printed so far. */
export interface Watched {
  child: ChildProcess;
  /** Shown when the wait gives up (stderr, or a terminal's screen). */
  output(): string;
}

export interface WaitOptions {
  /** How long to wait in all (default 60 s: integration tests run on a loaded 2-core machine). */
  timeout?: number;
  /** How often to look (default 25 ms). */
  interval?: number;
  /** What to do when the process ends first: `"fail"` (default) or `"return"` (resolve false). */
  onExit?: "fail" | "return";
}

const ended = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * Waits (with `vi.waitFor`) until `ready()` holds. When `watched`'s process ends first it fails at
 * once (or, with `onExit: "return"`, resolves false); the failure names `what` and the process's
 * output so far. Resolves true once `ready()` held.
 */
export async function waitUntil(ready: () => boolean, what: string, watched?: Watched, options: WaitOptions = {}): Promise<boolean> {
  const timeout = options.timeout ?? 60_000;
  await vi
    .waitFor(
      () => {
        if (!ready() && !(watched && ended(watched.child))) throw new Error("not yet");
      },
      { timeout, interval: options.interval ?? 25 },
    )
    .catch(() => undefined);
  if (ready()) return true;
  const why = watched && ended(watched.child) ? "the process ended first" : `not within ${timeout / 1000} s`;
  if (watched && ended(watched.child) && options.onExit === "return") return false;
  throw new Error(`gave up waiting for ${what} (${why})${watched ? `; its output:\n${watched.output().slice(-2000)}` : ""}`);
}
