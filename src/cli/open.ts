import { loadProgram, type Program } from "../api/program.js";
import { parseModelFlag } from "../lm/spec.js";
import type { Store } from "../store/store.js";
import type { CommandContext } from "./context.js";
import type { LMFlags } from "./flags.js";

/**
 * Loads the program a command names, with `--lm` checked, notices sent to stderr and the database
 * opened for the LM cache (unless --no-cache); the database closes when the command ends. The store
 * is imported only then: a command that opens no database (validate) never loads it.
 */
export async function openProgram(file: string, flags: LMFlags, ctx: CommandContext, store?: Store): Promise<Program> {
  if (flags.lm) parseModelFlag("--lm", flags.lm);
  const program = await loadProgram(file, {
    ...(flags.lm ? { lm: flags.lm } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.rpm ? { rpm: flags.rpm } : {}),
    ...(flags.tpm ? { tpm: flags.tpm } : {}),
    ...(flags.timeout ? { timeoutMs: flags.timeout } : {}),
    ...(flags.maxAttempts ? { maxAttempts: flags.maxAttempts } : {}),
    // A run's view of the cache: a command that opens a run (eval) links the entries it uses to it.
    ...(flags.cache !== false ? { cache: (store ?? (await import("./open-store.js")).openStore(flags, ctx)).cache.forRun() } : {}),
    onNotice: (m) => ctx.output.notice(m),
  });
  return program;
}
