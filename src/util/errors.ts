/** A place in a user's file. Lines and columns are 1-based. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

/** One thing wrong with what the user gave us, with where it is and what was expected. */
export interface Problem {
  message: string;
  pos?: SourcePos;
  /** A flag or option name when the problem is on the command line. */
  flag?: string;
  hint?: string;
}

export function formatPos(pos: SourcePos): string {
  if (pos.line === undefined) return pos.file;
  if (pos.col === undefined) return `${pos.file}:${pos.line}`;
  return `${pos.file}:${pos.line}:${pos.col}`;
}

export function formatProblem(p: Problem): string {
  const where = p.pos ? `${formatPos(p.pos)}: ` : p.flag ? `${p.flag}: ` : "";
  return `${where}${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}

/**
 * Bad input: a file, a flag, a reference. Carries every problem found, so the user fixes them in one
 * pass. The CLI prints them one per line and exits 2.
 */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem | string) {
    const list: Problem[] =
      typeof problems === "string" ? [{ message: problems }] : Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join("\n"));
    this.name = "UserError";
    this.problems = list;
  }
}

/** Sorts problems by file, line and column so reports read top to bottom. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => {
    const fa = a.pos?.file ?? "";
    const fb = b.pos?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    return (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.col ?? 0) - (b.pos?.col ?? 0);
  });
}

/** Kinds of provider failure that make further calls pointless. */
export type FatalCause =
  | "auth"
  | "quota"
  | "invalid_request"
  | "unknown_model"
  | "unavailable"
  | "not_supported";

/**
 * The LM provider cannot be used (bad key, no quota, endpoint down, …). The command stops after the
 * store has everything that finished; the CLI exits 3.
 */
export class ProviderError extends Error {
  readonly cause_: FatalCause;
  readonly provider: string;
  constructor(provider: string, cause: FatalCause, message: string) {
    super(message);
    this.name = "ProviderError";
    this.provider = provider;
    this.cause_ = cause;
  }
}

/** What an error says as one line, as the CLI prints it and a failed run's record keeps it: a provider's names the provider. */
export function failureText(error: unknown): string {
  if (error instanceof ProviderError) return `${error.provider}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The user interrupted the command (Ctrl-C). */
export class InterruptedError extends Error {
  constructor(message = "interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** Whether an error is Ctrl-C reaching the work: an InterruptedError, or the AbortError of a call in flight. */
export function isInterruption(err: unknown): boolean {
  return err instanceof InterruptedError || (err instanceof Error && err.name === "AbortError");
}

/** Errors that must stop the whole command rather than mark one example: the provider is unusable, or Ctrl-C. */
export function isFatal(err: unknown): boolean {
  return err instanceof ProviderError || isInterruption(err);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
