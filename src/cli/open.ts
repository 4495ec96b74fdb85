import { loadProgram } from "../runtime/load.js";
import type { Program } from "../runtime/program.js";
import { lmSettings, type LmOptions, type LmSettings } from "../lm/settings.js";
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
  const settings = settingsFromFlags(flags);
  const db = settings.cache ? (store ?? (await import("./open-store.js")).openStore(flags, ctx)) : undefined;
  const program = await loadProgram(file, {
    settings,
    // A run's view of the cache: a command that opens a run (eval) links the entries it uses to it.
    cache: db?.cache.forRun(),
    // Tool results replay with the LM cache: --no-cache runs every tool again too.
    ...(db ? { toolResults: db.toolResults } : {}),
    onNotice: (m) => ctx.output.notice(m),
  });
  ctx.defer(() => program.close());
  return program;
}

/** The LM flags a command was given (models checked), over the environment: see `lmSettings`. */
export function lmOptionsFromFlags(flags: LMFlags & Pick<LmOptions, "teacherLm" | "reflectionLm">): LmOptions {
  for (const [flag, value] of [["--lm", flags.lm], ["--teacher-lm", flags.teacherLm], ["--reflection-lm", flags.reflectionLm]] as const) {
    if (value) parseModelFlag(flag, value);
  }
  return { ...flags, timeoutMs: flags.timeout };
}

/** The LM settings of a command that runs a program as it is (no optimize section to read). */
export function settingsFromFlags(flags: LMFlags): LmSettings {
  return lmSettings(lmOptionsFromFlags(flags));
}
