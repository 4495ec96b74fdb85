import { loadProgram, type Program } from "../api/program.js";
import { parseModelFlag } from "../lm/spec.js";
import type { Output } from "./output.js";

/** Loads the program a command names, with `--lm` checked and notices sent to stderr. */
export async function openProgram(file: string, flags: { lm?: string }, output: Output): Promise<Program> {
  if (flags.lm) parseModelFlag("--lm", flags.lm);
  return loadProgram(file, { ...(flags.lm ? { lm: flags.lm } : {}), onNotice: (m) => output.notice(m) });
}
