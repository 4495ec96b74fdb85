import { loadProgram, type Program } from "../api/program.js";
import { parseModelFlag } from "../lm/spec.js";
import { Store } from "../store/store.js";
import type { CommandContext } from "./context.js";
import { noteDatabase } from "./errors.js";
import type { LMFlags } from "./flags.js";

/**
 * Loads the program a command names, with `--lm` checked, notices sent to stderr and the database
 * opened for the LM cache (unless --no-cache); the database closes when the command ends.
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
    ...(flags.cache !== false ? { cache: (store ?? openStore(flags, ctx)).cache.forRun() } : {}),
    onNotice: (m) => ctx.output.notice(m),
  });
  return program;
}

/**
 * The database for this command, opened once and closed when the command ends. A command that will
 * record or cache (`write`, the default) fails here, before any LM call, when the file is read-only.
 * One that only reads, or only removes (`create: false`), never creates the file: a missing one reads as empty.
 */
export function openStore(flags: { db?: string }, ctx: CommandContext, { write = true, create = write }: { write?: boolean; create?: boolean } = {}): Store {
  const store = Store.open(flags.db, { write, create });
  noteDatabase(store.file);
  ctx.defer(() => store.close());
  return store;
}
