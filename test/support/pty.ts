import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { BIN, offlineEnv, ROOT } from "./cli.js";

/** The built `dspx` in a real pseudo-terminal: what a person sees, and keys typed at it. */
export interface PtyCli {
  child: ChildProcess;
  /** Everything written to the terminal so far (stdout and stderr both, with escape sequences). */
  screen(): string;
  /** Types Ctrl-C: the terminal driver turns it into SIGINT only while the terminal has `isig` on. */
  ctrlC(): void;
  /** dspx's exit code, once the terminal session has ended. */
  closed: Promise<number | null>;
  /** The terminal's modes (`stty -g`) before dspx started and after it ended. */
  modes(): { before: string; after: string };
}

const started = new Set<ChildProcess>();

/** Ends every terminal session a test left running (a failed test's), so the next one starts clean. */
export function killLeftoverPtys(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  started.clear();
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Starts dspx under `script`, which gives it a pseudo-terminal of its own (120 columns, so the
 * progress spinner runs). The shell around it records the terminal modes before and after, and
 * traps SIGINT only to outlive dspx and record them (dspx itself gets the default disposition).
 * CI is removed from the environment: dspx draws no spinner under CI.
 */
export function startInPty(args: string[], options: { env?: Record<string, string | undefined> } = {}): PtyCli {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dspx-pty-"));
  const before = path.join(dir, "before");
  const after = path.join(dir, "after");
  const command = [
    "stty cols 120 rows 40",
    `stty -g > ${quote(before)}`,
    "trap : INT",
    `${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(" ")}`,
    "code=$?",
    `stty -g > ${quote(after)}`,
    "exit $code",
  ].join("\n");
  const env = offlineEnv({ CI: undefined, ...options.env });
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: ROOT, env: { ...env, SHELL: "/bin/sh" }, stdio: ["pipe", "pipe", "pipe"] });
  started.add(child);
  let screen = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (screen += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (screen += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  void closed.then(() => child.stdin!.destroy());
  return {
    child,
    screen: () => screen,
    ctrlC: () => void child.stdin!.write("\x03"),
    closed,
    modes: () => ({ before: readFileSync(before, "utf8").trim(), after: readFileSync(after, "utf8").trim() }),
  };
}

/** The cursor is shown: never hidden (ESC[?25l), or shown again (ESC[?25h) after it last was. */
export function cursorShown(screen: string): boolean {
  return screen.lastIndexOf("\x1b[?25h") >= screen.lastIndexOf("\x1b[?25l");
}

/** The terminal is as dspx found it: the same modes (`stty -g`), the cursor visible. */
export function expectTerminalRestored(pty: PtyCli): void {
  const { before, after } = pty.modes();
  expect(after).toBe(before);
  expect(cursorShown(pty.screen())).toBe(true);
}

/** Polls `ready` every 20 ms until it holds; throws with the screen so far if it never does. */
export async function waitFor(ready: () => boolean, what: string, pty?: PtyCli, tries = 3000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (ready()) return;
    if (pty && pty.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (ready()) return;
  throw new Error(`gave up waiting for ${what}${pty ? `; the terminal shows:\n${pty.screen().slice(-2000)}` : ""}`);
}
