import { spawn } from "node:child_process";
import { UserError } from "../../util/errors.js";
import { startViewServer } from "../../view/server.js";
import { isLoopback, newToken } from "../../view/token.js";
import { openViewStore } from "../../view/view-store.js";
import type { CommandContext } from "../context.js";

export const DEFAULT_VIEW_PORT = 7410;

export interface ViewFlags {
  db?: string;
  port?: number;
  host?: string;
  open?: boolean;
  token?: string;
}

/**
 * `dspx view`: serves the viewer over a read-only connection until Ctrl-C or SIGTERM, then closes
 * the server and the database. On a host other than loopback every request needs the token.
 */
export async function viewCommand(flags: ViewFlags, ctx: CommandContext): Promise<number> {
  const { output, signal } = ctx;
  const host = flags.host ?? "127.0.0.1";
  if (flags.token !== undefined && flags.token.length < 8) throw new UserError({ flag: "--token", message: "expected at least 8 characters (or leave it out: one is generated)" });
  const token = flags.token ?? (isLoopback(host) ? undefined : newToken());
  const store = openViewStore(flags.db);
  ctx.usingDatabase(store.file);
  ctx.defer(() => store.close());
  const server = await startViewServer({ store, host, port: flags.port ?? DEFAULT_VIEW_PORT, ...(token ? { token } : {}) });
  ctx.defer(() => server.close());
  output.out(`dspx view: ${server.url}`);
  output.err(output.errColor.dim(`reading ${store.file} (read-only)${token ? "; every request needs the token in this URL" : ""}; Ctrl-C stops`));
  if (flags.open) openBrowser(server.url, (m) => output.notice(m));
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  await server.close();
  return 0;
}

/** Opens the URL in the desktop's browser; saying so when it cannot, the server goes on. */
function openBrowser(url: string, notice: (m: string) => void): void {
  const [command, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => notice(`could not open a browser (${command}); open ${url}`));
    child.unref();
  } catch {
    notice(`could not open a browser (${command}); open ${url}`);
  }
}
