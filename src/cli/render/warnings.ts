import { formatProblem, type Problem } from "../../util/errors.js";
import type { Output } from "../output.js";

/** A warning as `--json` gives it: the message, and where (file, line, column) when known. */
export function warningJson(p: Problem): { message: string; file?: string; line?: number; col?: number; hint?: string } {
  return {
    message: p.message,
    ...(p.pos ? { file: p.pos.file } : {}),
    ...(p.pos?.line !== undefined ? { line: p.pos.line } : {}),
    ...(p.pos?.col !== undefined ? { col: p.pos.col } : {}),
    ...(p.hint ? { hint: p.hint } : {}),
  };
}

/** Each warning as a notice on stderr (`note: file:line: …`), --json or not. */
export function noticeWarnings(warnings: readonly Problem[], output: Pick<Output, "notice">): void {
  for (const w of warnings) output.notice(formatProblem(w));
}
