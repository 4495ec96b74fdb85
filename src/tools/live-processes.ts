import type { ChildProcess } from "node:child_process";

/**
 * Every tool server process this process started and that still runs. Each is the leader of its own
 * process group (spawned detached, so a Ctrl-C at the terminal reaches dspx, which stops in two
 * stages, and not the servers directly); killing the group takes whatever the server started too.
 * Whatever is still here when the process exits — a second Ctrl-C, process.exit, an uncaught error —
 * is killed then, synchronously.
 */
const live = new Set<ChildProcess>();
let hooked = false;

export function trackProcess(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once("exit", killAllNow);
  }
}

/**
 * Sends `signal` to the child's whole process group (or to the child alone where there is none).
 * `group: true` sends it even when the leader has exited: its group lives on while others are in it
 * (and a group's id is not reused while it does).
 */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals, { group = false }: { group?: boolean } = {}): void {
  if (child.pid === undefined) return;
  const leaderGone = child.exitCode !== null || child.signalCode !== null;
  if (leaderGone && !(group && process.platform !== "win32")) return;
  try {
    process.kill(process.platform === "win32" ? child.pid : -child.pid, signal);
  } catch {
    if (leaderGone) return;
    try {
      child.kill(signal);
    } catch {
      // Gone already.
    }
  }
}

export function killAllNow(): void {
  for (const child of live) killGroup(child, "SIGKILL");
  live.clear();
}

/** The pids of the tool servers still running (for tests and diagnostics). */
export function livePids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}
