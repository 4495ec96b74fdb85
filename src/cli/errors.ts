import { failureText, InterruptedError, ProviderError, UserError, formatProblem } from "../util/errors.js";
import type { Output } from "./output.js";
import { describeSqliteError } from "../store/db.js";
import { displayPath } from "../util/display-path.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, provider: 3, interrupted: 130 } as const;

const MAX_PROBLEMS = 50;

/**
 * A run stopped with what it finished saved (interrupted, or its provider unusable): `dspx resume`
 * continues it. The command that ran it says so; the exit code is the stopping error's.
 */
export class RunSaved extends Error {
  constructor(
    readonly stoppedBy: InterruptedError | ProviderError | Error,
    readonly runId: string,
  ) {
    super(stoppedBy.message);
    this.name = "RunSaved";
  }
}

/** An error better-sqlite3 raised (SqliteError: code SQLITE_…) after the file opened cleanly. */
function isSqliteError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && code.startsWith("SQLITE_");
}

/**
 * The one place errors become messages and exit codes. `database`: the file the command opened,
 * named when a query on it fails later (a corrupt page, a lock that outlasts the busy timeout).
 */
export function reportError(err: unknown, output: Pick<Output, "err" | "errColor" | "verbose">, database?: string): number {
  const red = output.errColor.red;
  if (err instanceof RunSaved) {
    const { stoppedBy, runId } = err;
    if (stoppedBy instanceof ProviderError) {
      output.err(`${red("error:")} ${failureText(stoppedBy)}`);
      output.err(`the run is saved; once this is fixed, continue it with \`dspx resume ${runId}\``);
      return EXIT.provider;
    }
    output.err(`interrupted: the run is saved; continue it with \`dspx resume ${runId}\``);
    return EXIT.interrupted;
  }
  if (err instanceof UserError) {
    const shown = err.problems.slice(0, MAX_PROBLEMS);
    for (const p of shown) output.err(`${red("error:")} ${formatProblem(p)}`);
    if (err.problems.length > shown.length) output.err(`… and ${err.problems.length - shown.length} more problems`);
    if (output.verbose && err.stack) output.err(err.stack);
    return EXIT.usage;
  }
  if (err instanceof ProviderError) {
    output.err(`${red("error:")} ${failureText(err)}`);
    if (output.verbose && err.stack) output.err(err.stack);
    return EXIT.provider;
  }
  if (isSqliteError(err)) {
    // Something the user can act on (repair or move the file, wait for the lock), so a usage error with no stack.
    output.err(`${red("error:")} ${database ? `${displayPath(database)}: ` : ""}cannot use the dspx database: ${describeSqliteError(err)}`);
    if (output.verbose && err.stack) output.err(err.stack);
    return EXIT.usage;
  }
  if (err instanceof InterruptedError) {
    output.err(err.message);
    return EXIT.interrupted;
  }
  const message = err instanceof Error ? err.message : String(err);
  output.err(`${red("error:")} ${message}`);
  if (output.verbose && err instanceof Error && err.stack) output.err(err.stack);
  else output.err("(run with --verbose for details)");
  return EXIT.failed;
}

/**
 * What `--json` puts on stdout when a command fails: one object, so a script reading stdout gets
 * JSON whatever happened (the messages are on stderr as well). `problems` lists a refusal's lines.
 */
export function errorJson(reported: unknown, exitCode: number): string {
  // A run stopped but saved: the error is what stopped it, and the run to resume is named.
  const err = reported instanceof RunSaved ? reported.stoppedBy : reported;
  const extra = reported instanceof RunSaved ? { runId: reported.runId } : {};
  const kind = exitCode === EXIT.usage ? "usage" : exitCode === EXIT.provider ? "provider" : exitCode === EXIT.interrupted ? "interrupted" : "failed";
  const message = failureText(err);
  const problems =
    err instanceof UserError
      ? err.problems.map((p) => ({ message: p.message, ...(p.pos ? { file: p.pos.file, ...(p.pos.line !== undefined ? { line: p.pos.line } : {}), ...(p.pos.col !== undefined ? { col: p.pos.col } : {}) } : {}), ...(p.flag ? { flag: p.flag } : {}), ...(p.hint ? { hint: p.hint } : {}) }))
      : undefined;
  return JSON.stringify({ error: { kind, exitCode, message, ...(problems ? { problems } : {}), ...extra } });
}
