import { Chalk, type ChalkInstance } from "chalk";
import { layoutTable, type TableSpec, type TableStyle } from "./table.js";

/**
 * Where a command writes: results to stdout, everything else (logs, progress, notices) to stderr.
 * Colour follows NO_COLOR, FORCE_COLOR=0, --no-color and whether each stream is a terminal.
 */
export interface Output {
  /** Styling for stdout text. */
  color: ChalkInstance;
  /** Styling for stderr text. */
  errColor: ChalkInstance;
  json: boolean;
  verbose: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The width tables and lists fit: the terminal's on a terminal, undefined in a pipe (no limit, no padding). */
  columns: number | undefined;
  out(text: string): void;
  err(text: string): void;
  /** A notice on stderr (e.g. "running on sim"). */
  notice(text: string): void;
  /** A table laid out for stdout (see layoutTable): boxed by default, or an indented `plain` list. */
  table(spec: TableSpec, kind?: TableStyle["kind"]): string;
}

export interface OutputFlags {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export function colorAllowed(stream: NodeJS.WriteStream, flags: OutputFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flags.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** Streams whose reader went away (EPIPE): nothing more is written to them. */
const closedStreams = new WeakSet<NodeJS.WriteStream>();

/**
 * When the reader of a pipe goes away (`dspx runs | head -1`), Node emits EPIPE as an 'error' event,
 * which with no listener is an uncaught exception and a stack trace. A CLI ends quietly instead: the
 * stream is marked closed, later writes are dropped, and the command finishes normally (closing its
 * database, exit code as usual). Called once per stream, at start-up.
 */
export function guardStream(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    closedStreams.add(stream);
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") return;
    // Any other failure to write (disk full on a redirect, …): say so once on the other stream.
    const other = stream === process.stdout ? process.stderr : process.stdout;
    if (!closedStreams.has(other) && !other.destroyed) other.write(`error: cannot write to ${stream === process.stdout ? "stdout" : "stderr"}: ${err.message}\n`);
    if (!process.exitCode) process.exitCode = 1;
  });
}

/** Writes unless the stream's reader has gone away. */
export function safeWrite(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream) || stream.destroyed || !stream.writable) return;
  stream.write(text);
}

export function createOutput(flags: OutputFlags): Output {
  const outColor = colorAllowed(process.stdout, flags);
  const errColorOn = colorAllowed(process.stderr, flags);
  const color = new Chalk({ level: outColor ? 1 : 0 });
  const errColor = new Chalk({ level: errColorOn ? 1 : 0 });
  const columns = stdoutColumns(process.stdout);
  return {
    color,
    errColor,
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    out: (text) => safeWrite(process.stdout, text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => safeWrite(process.stderr, text.endsWith("\n") ? text : `${text}\n`),
    notice: (text) => safeWrite(process.stderr, `${errColor.yellow("note:")} ${text}\n`),
    columns,
    table: (spec, kind = "boxed") => layoutTable(spec, columns, { kind, colorBorder: color.level > 0, head: (s) => color.bold(s) }).join("\n"),
  };
}

/** A terminal's width (80 when it does not say); undefined when stdout is not a terminal. */
export function stdoutColumns(stream: Pick<NodeJS.WriteStream, "isTTY" | "columns">): number | undefined {
  if (!stream.isTTY) return undefined;
  return stream.columns > 0 ? stream.columns : 80;
}

/** A value shortened to one line of at most `max` characters. */
export function oneLine(value: unknown, max = 60): string {
  const text = (typeof value === "string" ? value : JSON.stringify(value) ?? "").replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function formatScore(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : "–";
}

/** 1234567 → "1,234,567". By hand: the first toLocaleString of a process loads ICU's number data (~20 ms). */
export function formatInt(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

export function formatUsd(x: number | null): string {
  if (x === null) return "unknown";
  if (x === 0) return "$0.00";
  return x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** "1 error", "3 errors". */
export function plural(n: number, word: string): string {
  return `${formatInt(n)} ${word}${n === 1 ? "" : "s"}`;
}
