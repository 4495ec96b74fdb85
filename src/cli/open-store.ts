import { Store } from "../store/store.js";
import type { CommandContext } from "./context.js";

/**
 * The database for this command, opened once and closed when the command ends. A command that will
 * record or cache (`write`, the default) fails here, before any LM call, when the file is read-only.
 * One that only reads, or only removes (`create: false`), never creates the file: a missing one reads as empty.
 */
export function openStore(flags: { db?: string }, ctx: CommandContext, { write = true, create = write }: { write?: boolean; create?: boolean } = {}): Store {
  const store = Store.open(flags.db, { write, create });
  ctx.usingDatabase(store.file);
  ctx.defer(() => store.close());
  return store;
}
