import type { Ora } from "ora";
import { lazyPackage } from "./lazy-package.js";
import type { Output } from "./output.js";
import { formatDuration, plural } from "./output.js";

/** A progress line for long commands: an ora spinner on a terminal, periodic plain lines otherwise. */
export interface Progress {
  /** The text is built only when it will be shown (a spinner redraws at most 10×/s). */
  update(text: () => string): void;
  /** Clear the spinner (before printing results). */
  stop(): void;
}

export interface ProgressOptions {
  /** Seconds between plain lines when stderr is not a terminal. */
  intervalMs?: number;
  enabled?: boolean;
}

/** Loaded with the first spinner: a command in CI or a pipe never draws one. */
const ora = lazyPackage<typeof import("ora")>("ora");

/** The spinners running now, and whether the command is quitting (then none is drawn again). */
const spinning = new Set<Ora>();
let frozen = false;

/** Clears every spinner and draws none again: the process is about to leave (a second Ctrl-C). */
export function freezeProgress(): void {
  frozen = true;
  for (const spinner of spinning) spinner.stop();
  spinning.clear();
}

export function createProgress(output: Output, options: ProgressOptions = {}): Progress {
  if (options.enabled === false) return { update() {}, stop() {} };
  const columns = process.stderr.columns ?? 0;
  // ora needs a real terminal with a width; otherwise (CI, pipes) print a plain line now and then.
  if (output.stderrIsTTY && columns > 0 && process.env.CI === undefined) {
    let spinner: Ora | undefined;
    let lastDraw = 0;
    return {
      update(text) {
        const now = Date.now();
        if (frozen || (spinner && now - lastDraw < 100)) return;
        lastDraw = now;
        // discardStdin would put the terminal in raw mode, where Ctrl-C is a byte on stdin, not SIGINT.
        if (!spinner) spinning.add((spinner = ora().default({ text: text(), stream: process.stderr, color: "cyan", isEnabled: true, discardStdin: false }).start()));
        else spinner.text = text();
      },
      stop() {
        if (spinner) spinning.delete(spinner);
        spinner?.stop();
        spinner = undefined;
      },
    };
  }
  const interval = options.intervalMs ?? 5000;
  let last = 0;
  let pending: (() => string) | undefined;
  return {
    update(text) {
      if (frozen) return;
      pending = text;
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        output.err(text());
        pending = undefined;
      }
    },
    stop() {
      if (pending !== undefined && last !== 0) output.err(pending());
      pending = undefined;
    },
  };
}

/** done/total, score so far, rate and ETA in one line. */
export function evalProgressText(p: {
  done: number;
  total: number;
  meanSoFar: number;
  errors: number;
  elapsedMs: number;
  extra?: string;
}): string {
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? formatDuration(((p.total - p.done) / rate) * 1000) : "–";
  const parts = [
    `${p.done}/${p.total}`,
    `score ${Number.isFinite(p.meanSoFar) ? p.meanSoFar.toFixed(3) : "–"}`,
    `${rate.toFixed(1)} ex/s`,
  ];
  if (p.errors > 0) parts.push(plural(p.errors, "error"));
  if (p.extra) parts.push(p.extra);
  parts.push(`ETA ${eta}`);
  return parts.join(" · ");
}
